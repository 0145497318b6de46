import AttendKernels

@testable import AttendModel

/// Test oracle: the first, single-purpose implementation of additive attention, exactly as
/// Bahdanau, Cho & Bengio (2014) define it, kept to cross-check the general `Attention`:
///
///     e_ij = v_a · tanh(W_a s_{i-1} + U_a h_j)      α_ij = softmax_j(e_ij) over real positions
///     c_i  = Σ_j α_ij h_j
///
/// U_a h_j (the keys) is computed once per batch; W_a s_{i-1} (the query) is computed by the
/// decoder in the same matrix product as its recurrent projection. Padding positions get
/// weight exactly 0.
///
/// The model now uses `Attention` (every variant, Attention.swift); this single-purpose version
/// stays as its test oracle: in the Bahdanau configuration the two must agree bit for bit
/// (AttentionGradientTests), and LayerGradientTests checks this one against finite differences.
public struct BahdanauAttention {
  public let keyWeight: ParameterID  // U_a [A, C]
  public let v: ParameterID  // v_a [A]
  public let attentionSize: Int
  public let contextSize: Int

  public init(_ store: ParameterStore, _ name: String, context: Int, attention: Int) {
    keyWeight = store.declare("\(name).key.weight", [attention, context])
    v = store.declare("\(name).v", [attention])
    attentionSize = attention
    contextSize = context
  }

  public func initialize(_ store: ParameterStore, rng: inout RandomGenerator) {
    Initialization.xavier(store.value(keyWeight), rows: attentionSize, columns: contextSize, rng: &rng)
    Initialization.xavier(store.value(v), rows: 1, columns: attentionSize, rng: &rng)
  }

  /// keys [S*B, A] = encoder [S*B, C] U_a^T.
  public func projectKeys(
    _ store: ParameterStore, rows n: Int, encoder: UnsafePointer<Float>,
    keys: UnsafeMutablePointer<Float>
  ) {
    BLAS.gemm(
      transB: true, m: n, n: attentionSize, k: contextSize, a: encoder, lda: contextSize,
      b: store.value(keyWeight), ldb: contextSize, beta: 0, c: keys, ldc: attentionSize)
  }

  /// dU_a += dKeys^T encoder; dEncoder += dKeys U_a.
  public func projectKeysBackward(
    _ store: ParameterStore, rows n: Int, encoder: UnsafePointer<Float>,
    dKeys: UnsafePointer<Float>, dEncoder: UnsafeMutablePointer<Float>
  ) {
    BLAS.gemm(
      transA: true, m: attentionSize, n: contextSize, k: n, a: dKeys, lda: attentionSize,
      b: encoder, ldb: contextSize, beta: 1, c: store.gradient(keyWeight), ldc: contextSize)
    BLAS.gemm(
      m: n, n: contextSize, k: attentionSize, a: dKeys, lda: attentionSize,
      b: store.value(keyWeight), ldb: contextSize, beta: 1, c: dEncoder, ldc: contextSize)
  }

  /// One decoder step for B sentences.
  /// - query: [B, A] W_a s_{i-1}, rows `ldq` apart. keys: [S*B, A]; encoder: [S*B, C] (time-major).
  /// - pre: out [S*B, A] tanh(query + key), kept for backward.
  /// - weights: out [B, S] α (zero past each length). context: out [B, C], rows `ldc` apart.
  public func forward(
    _ store: ParameterStore, batch b: Int, steps s: Int, lengths: UnsafePointer<Int32>,
    query: UnsafePointer<Float>, ldq: Int, keys: UnsafePointer<Float>,
    encoder: UnsafePointer<Float>, pre: UnsafeMutablePointer<Float>,
    weights: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let a = attentionSize, c = contextSize
    let vp = store.value(v)
    for bi in 0..<b {
      let len = Int(lengths[bi])
      let q = query + bi * ldq
      let alpha = weights + bi * s
      var maxScore = -Float.infinity
      for j in 0..<len {
        let row = (j * b + bi)
        let k = keys + row * a, p = pre + row * a
        var acc = Float16x()
        var x = 0
        while x < a {
          let w = min(16, a - x)
          let t = VectorMath.tanh(VectorMath.load(q + x, count: w) + VectorMath.load(k + x, count: w))
          VectorMath.store(t, p + x, count: w)
          acc += t * VectorMath.load(vp + x, count: w)
          x += 16
        }
        let e = acc.sum()
        alpha[j] = e
        maxScore = max(maxScore, e)
      }
      var total: Float = 0
      for j in 0..<len {
        let e = expf(alpha[j] - maxScore)
        alpha[j] = e
        total += e
      }
      let inv = 1 / total
      for j in 0..<len { alpha[j] *= inv }
      for j in len..<s { alpha[j] = 0 }
      let ctx = context + bi * ldc
      ctx.update(repeating: 0, count: c)
      for j in 0..<len {
        VectorMath.axpy(alpha[j], encoder + (j * b + bi) * c, ctx, count: c)
      }
    }
  }

  /// Backward of `forward` for one step. Writes dQuery [B, A] (rows `lddq` apart) and adds into
  /// dKeys [S*B, A], dEncoder [S*B, C] and ∂L/∂v_a.
  public func backward(
    _ store: ParameterStore, batch b: Int, steps s: Int, lengths: UnsafePointer<Int32>,
    dContext: UnsafePointer<Float>, lddc: Int, encoder: UnsafePointer<Float>,
    pre: UnsafePointer<Float>, weights: UnsafePointer<Float>,
    dQuery: UnsafeMutablePointer<Float>, lddq: Int,
    dKeys: UnsafeMutablePointer<Float>, dEncoder: UnsafeMutablePointer<Float>
  ) {
    let a = attentionSize, c = contextSize
    let vp = store.value(v), dv = store.gradient(v)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(s, 1)) { dScore in
      for bi in 0..<b {
        let len = Int(lengths[bi])
        let dc = dContext + bi * lddc
        let alpha = weights + bi * s
        // c = Σ α_j h_j  →  dα_j = dc · h_j,  dh_j += α_j dc
        var weighted: Float = 0
        for j in 0..<len {
          let hRow = (j * b + bi) * c
          let da = VectorMath.dot(dc, encoder + hRow, count: c)
          dScore[j] = da
          weighted += alpha[j] * da
          VectorMath.axpy(alpha[j], dc, dEncoder + hRow, count: c)
        }
        // softmax: de_j = α_j (dα_j − Σ_k α_k dα_k)
        for j in 0..<len { dScore[j] = alpha[j] * (dScore[j] - weighted) }
        // e_j = v · tanh(q + k_j)
        let dq = dQuery + bi * lddq
        dq.update(repeating: 0, count: a)
        for j in 0..<len {
          let row = (j * b + bi) * a
          let de = dScore[j]
          let p = pre + row, dk = dKeys + row
          var x = 0
          while x < a {
            let w = min(16, a - x)
            let t = VectorMath.load(p + x, count: w)
            let dpre = de * VectorMath.load(vp + x, count: w) * (1 - t * t)
            VectorMath.store(VectorMath.load(dv + x, count: w) + de * t, dv + x, count: w)
            VectorMath.store(VectorMath.load(dq + x, count: w) + dpre, dq + x, count: w)
            VectorMath.store(VectorMath.load(dk + x, count: w) + dpre, dk + x, count: w)
            x += 16
          }
        }
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
