#if canImport(Glibc)
  import Glibc
#endif
import AttendKernels

// Shapes: B batch, S source length, T decoder steps, C encoder state width, Dq query width (the
// decoder state, H), A attention size, n heads. Encoder rows are time-major: row j * B + b.

/// How one decoder step turns scores into a context. A pass's mode is given to
/// `Workspace.prepare`: training and dev loss use the config's τ, search passes its own.
public struct AttentionMode: Sendable, Equatable {
  /// τ: scores are divided by it before normalising (τ → 0 sharpens, large τ flattens).
  public var temperature: Float
  /// Decoding only: the weights become one-hot on the most-attended position, so the context is
  /// that single source state (per head).
  public var hard: Bool

  public init(temperature: Float = 1, hard: Bool = false) {
    self.temperature = temperature
    self.hard = hard
  }
}

extension ModelConfig {
  /// The attention mode a pass of `mode` uses unless it is given one: τ_train for training and
  /// dev loss; `decoding_temperature` and `hard_attention` for search.
  public func attentionMode(for mode: ForwardMode) -> AttentionMode {
    mode == .decoding
      ? AttentionMode(temperature: Float(decodingTemperature), hard: hardAttention)
      : AttentionMode(temperature: Float(attentionTemperature))
  }
}

/// Attention over the encoder states h̄, composed from four independent choices:
///
///     score      e_j = score(q, h̄_j) / τ          AttentionKind: additive (bahdanau, concat),
///                                                  dot, general, scaled-dot
///     normaliser α = softmax(e) or sparsemax(e)    over the window's real positions only
///     window     global | local-m | local-p        local-p multiplies α by a Gaussian around p
///     heads      n heads, each scoring on its slice of the query/key projections; head k's context
///                is Σ_j α^k_j (W_V h̄_j)_k, and c = W_O [c^1; …; c^n]
///
/// with n = 1 meaning no W_V, W_O: c = Σ_j α_j h̄_j. Padding positions get weight exactly 0.
///
/// The call shape is shared by every variant: keys (and values) are projected once per batch
/// (`projectKeys`), then each step maps (query, projected query, lengths) to (context, weights).
/// Queries come in two forms because additive and local-p scores need W q and the decoder computes
/// that product together with its recurrent one (`queryWeights` are declared right after the
/// decoder's W_hh so the two are one matrix); dot and general read the raw decoder state.
///
/// Parameters (names as in the PyTorch mirror, scripts/reference_model.py):
///     attention.query.weight     W_a [A, Dq]     additive
///     attention.position.weight  W_p [A, Dq]     local-p
///     attention.key.weight       U_a [A, C]      additive;  W_a [Dq, C] general
///     attention.v                v_a [A]         additive
///     attention.position.v       v_p [A]         local-p
///     attention.value.weight     W_V [C, C]      n > 1
///     attention.output.weight    W_O [C, C]      n > 1
public struct Attention {
  public let kind: AttentionKind
  public let normalizer: AttentionNormalizer
  public let window: AttentionWindow
  public let heads: Int
  /// D: half-width of a local window.
  public let halfWidth: Int
  public let querySize: Int
  public let contextSize: Int
  public let attentionSize: Int

  public let queryWeight: ParameterID?
  public let positionWeight: ParameterID?
  public let keyWeight: ParameterID?
  public let v: ParameterID?
  public let positionV: ParameterID?
  public let valueWeight: ParameterID?
  public let outputWeight: ParameterID?

  /// Declares the parameters, query-side ones (W_a, W_p) first: the caller declares its W_hh just
  /// before, so [W_hh; W_a; W_p] is one matrix.
  public init(
    _ store: ParameterStore, _ name: String, kind: AttentionKind, normalizer: AttentionNormalizer = .softmax,
    window: AttentionWindow = .global, heads: Int = 1, halfWidth: Int = 10, query: Int, context: Int,
    attention: Int
  ) {
    precondition(heads >= 1 && halfWidth >= 1)
    precondition(kind != .dot && kind != .scaledDot || query == context, "dot scores need query width = context width")
    precondition((kind.isAdditive ? attention : query) % heads == 0 && context % heads == 0)
    self.kind = kind
    self.normalizer = normalizer
    self.window = window
    self.heads = heads
    self.halfWidth = halfWidth
    querySize = query
    contextSize = context
    attentionSize = attention
    queryWeight = kind.isAdditive ? store.declare("\(name).query.weight", [attention, query]) : nil
    positionWeight = window == .localP ? store.declare("\(name).position.weight", [attention, query]) : nil
    switch kind {
    case .bahdanau, .concat: keyWeight = store.declare("\(name).key.weight", [attention, context])
    case .general: keyWeight = store.declare("\(name).key.weight", [query, context])
    case .dot, .scaledDot: keyWeight = nil
    }
    v = kind.isAdditive ? store.declare("\(name).v", [attention]) : nil
    positionV = window == .localP ? store.declare("\(name).position.v", [attention]) : nil
    valueWeight = heads > 1 ? store.declare("\(name).value.weight", [context, context]) : nil
    outputWeight = heads > 1 ? store.declare("\(name).output.weight", [context, context]) : nil
  }

  /// The query-side weights, in the order they follow the decoder's W_hh.
  public var queryWeights: [ParameterID] { [queryWeight, positionWeight].compactMap { $0 } }
  /// Width of the projected query [W_a q | W_p q] the caller supplies (0 when none is needed).
  public var projectedQuerySize: Int { queryWeights.count * attentionSize }
  /// Width of a key row: A (additive), Dq (general: W_a h̄), C (dot: the encoder states themselves).
  public var keySize: Int { kind.isAdditive ? attentionSize : (kind == .general ? querySize : contextSize) }
  var scoreHeadWidth: Int { (kind.isAdditive ? attentionSize : querySize) / heads }
  var valueHeadWidth: Int { contextSize / heads }
  var keysAreEncoderStates: Bool { keyWeight == nil }
  var scoreScale: Float { kind == .scaledDot ? 1 / Float(scoreHeadWidth).squareRoot() : 1 }
  /// Local-p's σ = D / 2 enters the Gaussian as 2σ² = D² / 2.
  var twoSigmaSquared: Float { Float(halfWidth * halfWidth) / 2 }

  /// Everything but the query-side weights (see `initializeQuerySide`).
  public func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    if let keyWeight {
      let shape = store[keyWeight].shape
      Initialization.fill(store.value(keyWeight), rows: shape[0], columns: shape[1], scheme: scheme, range: range, rng: &rng)
    }
    for vector in [v, positionV].compactMap({ $0 }) {
      Initialization.fill(store.value(vector), rows: 1, columns: attentionSize, scheme: scheme, range: range, rng: &rng)
    }
    for matrix in [valueWeight, outputWeight].compactMap({ $0 }) {
      Initialization.fill(
        store.value(matrix), rows: contextSize, columns: contextSize, scheme: scheme, range: range, rng: &rng)
    }
  }

  /// W_a and W_p (drawn after the decoder's GRU weights, which keeps the original Bahdanau model's
  /// initial values for a given seed).
  public func initializeQuerySide(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    for matrix in queryWeights {
      Initialization.fill(
        store.value(matrix), rows: attentionSize, columns: querySize, scheme: scheme, range: range, rng: &rng)
    }
  }

  /// What the attention keeps between forward and backward. Buffers grow to the largest batch.
  public final class Activations {
    let keys = FloatBuffer(count: 0)  // [S*B, keySize] U_a h̄ or W_a h̄ (not for dot)
    let values = FloatBuffer(count: 0)  // [S*B, C] W_V h̄ (n > 1)
    let pre = FloatBuffer(count: 0)  // [T, S*B, A] tanh(W_a q + U_a h̄_j) (additive)
    let align = FloatBuffer(count: 0)  // [T*B, n, S] normalised scores
    let weights = FloatBuffer(count: 0)  // [T*B, n, S] applied weights (local-p: α ⊙ Gaussian; hard)
    let mixed = FloatBuffer(count: 0)  // [T*B, C] the heads' contexts side by side (n > 1)
    let position = FloatBuffer(count: 0)  // [T*B] local-p: σ(v_p · tanh(W_p q))
    let positionPre = FloatBuffer(count: 0)  // [T*B, A] local-p: tanh(W_p q)
    let dKeys = FloatBuffer(count: 0)  // [S*B, keySize]
    let dValues = FloatBuffer(count: 0)  // [S*B, C]
    let dMixed = FloatBuffer(count: 0)  // [B, C]
    let scratch = FloatBuffer(count: 0)  // [S] sparsemax's sorted scores, then dα in backward
    /// Whether `pre` holds every step (for backward) or only the current one (forward only).
    var keepsEveryStep = true
    public init() {}

    /// Step i's block of `pre`.
    @inline(__always) func preStep(_ i: Int) -> Int { keepsEveryStep ? i : 0 }

    func prepare(_ att: Attention, batch b: Int, sourceLength s: Int, steps t: Int, keepsEveryStep: Bool = true) {
      self.keepsEveryStep = keepsEveryStep
      let (c, a, n) = (att.contextSize, att.attentionSize, att.heads)
      let keyCount = att.keysAreEncoderStates ? 0 : s * b * att.keySize
      keys.resize(keyCount)
      dKeys.resize(keyCount)
      values.resize(n > 1 ? s * b * c : 0)
      dValues.resize(n > 1 ? s * b * c : 0)
      mixed.resize(n > 1 ? t * b * c : 0)
      dMixed.resize(n > 1 ? b * c : 0)
      pre.resize(att.kind.isAdditive ? (keepsEveryStep ? t : 1) * s * b * a : 0)
      align.resize(t * b * n * s)
      weights.resize(t * b * n * s)
      position.resize(att.window == .localP ? t * b : 0)
      positionPre.resize(att.window == .localP ? t * b * a : 0)
      scratch.resize(max(s, 1))
    }
  }

  // MARK: Keys and values, once per batch

  /// keys [S*B, keySize] = h̄ K^T (K = U_a or W_a); values [S*B, C] = h̄ W_V^T (n > 1).
  public func projectKeys(_ store: ParameterStore, _ act: Activations, rows n: Int, encoder: UnsafePointer<Float>) {
    let c = contextSize
    if let keyWeight {
      BLAS.gemm(
        transB: true, m: n, n: keySize, k: c, a: encoder, lda: c, b: store.value(keyWeight), ldb: c, beta: 0,
        c: act.keys.pointer, ldc: keySize)
    }
    if let valueWeight {
      BLAS.gemm(
        transB: true, m: n, n: c, k: c, a: encoder, lda: c, b: store.value(valueWeight), ldb: c, beta: 0,
        c: act.values.pointer, ldc: c)
    }
  }

  /// Zeroes the key and value gradients before the first (that is, last) step's backward.
  public func beginBackward(_ act: Activations) {
    precondition(act.keepsEveryStep, "attention backward needs a workspace prepared for training")
    act.dKeys.zero()
    act.dValues.zero()
  }

  /// After every step's backward: dK += dKeys^T h̄, dW_V += dValues^T h̄, dW_O += dC^T mixed, and
  /// their part of ∂L/∂h̄. dContexts: [T*B, C] every step's ∂L/∂c, rows `lddc` apart.
  public func finishBackward(
    _ store: ParameterStore, _ act: Activations, encoderRows n: Int, encoder: UnsafePointer<Float>,
    dEncoder: UnsafeMutablePointer<Float>, decoderRows r: Int, dContexts: UnsafePointer<Float>, lddc: Int
  ) {
    let c = contextSize
    if let keyWeight {
      BLAS.gemm(
        transA: true, m: keySize, n: c, k: n, a: act.dKeys.pointer, lda: keySize, b: encoder, ldb: c, beta: 1,
        c: store.gradient(keyWeight), ldc: c)
      BLAS.gemm(
        m: n, n: c, k: keySize, a: act.dKeys.pointer, lda: keySize, b: store.value(keyWeight), ldb: c, beta: 1,
        c: dEncoder, ldc: c)
    }
    if let valueWeight, let outputWeight {
      BLAS.gemm(
        transA: true, m: c, n: c, k: r, a: dContexts, lda: lddc, b: act.mixed.pointer, ldb: c, beta: 1,
        c: store.gradient(outputWeight), ldc: c)
      BLAS.gemm(
        transA: true, m: c, n: c, k: n, a: act.dValues.pointer, lda: c, b: encoder, ldb: c, beta: 1,
        c: store.gradient(valueWeight), ldc: c)
      BLAS.gemm(
        m: n, n: c, k: c, a: act.dValues.pointer, lda: c, b: store.value(valueWeight), ldb: c, beta: 1,
        c: dEncoder, ldc: c)
    }
  }

  // MARK: Windows

  /// Positions lo..<hi within D of `centre`, clipped to the sentence (never empty: the centre is
  /// a position of the sentence).
  @inline(__always)
  func bounds(centre: Float, length: Int) -> (Int, Int) {
    let d = Float(halfWidth)
    let lo = max(0, Int((centre - d).rounded(.up)))
    let hi = min(length, Int((centre + d).rounded(.down)) + 1)
    return (lo, hi)
  }

  /// The window of decoder row `row` (step i) of a sentence of `length`: (lo, hi, centre). For
  /// local-p, `act.position` must hold the row's σ (forward computes it first).
  @inline(__always)
  func windowOf(_ act: Activations, step i: Int, row: Int, length len: Int) -> (Int, Int, Float) {
    switch window {
    case .global: return (0, len, 0)
    case .localM:
      let centre = Float(min(i, len - 1))
      let (lo, hi) = bounds(centre: centre, length: len)
      return (lo, hi, centre)
    case .localP:
      let centre = Float(len - 1) * act.position[row]
      let (lo, hi) = bounds(centre: centre, length: len)
      return (lo, hi, centre)
    }
  }

  @inline(__always)
  func gaussian(_ j: Int, centre: Float) -> Float {
    let d = Float(j) - centre
    return expf(-d * d / twoSigmaSquared)
  }

  // MARK: One decoder step

  /// One step for B sentences.
  /// - query: [B, Dq] the raw decoder state (dot, general, scaled-dot), rows `ldq` apart.
  /// - projected: [B, projectedQuerySize] = [W_a q | W_p q], rows `ldp` apart.
  /// - encoder: [S*B, C] h̄. context: out [B, C], rows `ldc` apart.
  /// - report: out [B, S] the weights averaged over heads (what search and the log show).
  public func forward(
    _ store: ParameterStore, _ act: Activations, step i: Int, batch b: Int, steps s: Int,
    lengths: UnsafePointer<Int32>, query: UnsafePointer<Float>, ldq: Int,
    projected: UnsafePointer<Float>, ldp: Int, encoder: UnsafePointer<Float>,
    context: UnsafeMutablePointer<Float>, ldc: Int, report: UnsafeMutablePointer<Float>, mode: AttentionMode
  ) {
    let (n, dh, vh, c, a) = (heads, scoreHeadWidth, valueHeadWidth, contextSize, attentionSize)
    let invT = 1 / mode.temperature
    let keys = keysAreEncoderStates ? encoder : UnsafePointer(act.keys.pointer)
    let ldk = keySize
    let values = n == 1 ? encoder : UnsafePointer(act.values.pointer)
    let (out, ldo) = n == 1 ? (context, ldc) : (act.mixed.pointer + i * b * c, c)
    let separateWeights = window == .localP || mode.hard
    let vp = v.map { UnsafePointer(store.value($0)) }
    for bi in 0..<b {
      let len = Int(lengths[bi])
      let row = i * b + bi
      if window == .localP {
        // p = (len − 1) σ(v_p · tanh(W_p q))
        let pq = projected + bi * ldp + (kind.isAdditive ? a : 0)
        let t = act.positionPre.pointer + row * a
        VectorMath.tanh(pq, t, count: a)
        let x = VectorMath.dot(t, store.value(positionV!), count: a)
        act.position[row] = 1 / (1 + expf(-x))
      }
      let (lo, hi, centre) = windowOf(act, step: i, row: row, length: len)
      let rep = report + bi * s
      if n > 1 { rep.update(repeating: 0, count: s) }
      for k in 0..<n {
        let alpha = act.align.pointer + (row * n + k) * s
        if let vp {
          // e_j = v_k · tanh((W_a q)_k + (U_a h̄_j)_k)
          let q = projected + bi * ldp + k * dh, vk = vp + k * dh
          for j in lo..<hi {
            let key = keys + (j * b + bi) * ldk + k * dh
            let p = act.pre.pointer + (act.preStep(i) * s * b + j * b + bi) * a + k * dh
            var acc = Float16x()
            var x = 0
            while x < dh {
              let w = min(16, dh - x)
              let t = VectorMath.tanh(VectorMath.load(q + x, count: w) + VectorMath.load(key + x, count: w))
              VectorMath.store(t, p + x, count: w)
              acc += t * VectorMath.load(vk + x, count: w)
              x += 16
            }
            alpha[j] = acc.sum() * invT
          }
        } else {
          // e_j = q_k · (K h̄_j)_k, scaled by 1/√d for scaled-dot
          let q = query + bi * ldq + k * dh
          let f = scoreScale * invT
          for j in lo..<hi { alpha[j] = VectorMath.dot(q, keys + (j * b + bi) * ldk + k * dh, count: dh) * f }
        }
        switch normalizer {
        case .softmax: Normalizers.softmax(alpha, lo: lo, hi: hi)
        case .sparsemax: Normalizers.sparsemax(alpha, lo: lo, hi: hi, scratch: act.scratch.pointer)
        }
        for j in 0..<lo { alpha[j] = 0 }
        for j in hi..<s { alpha[j] = 0 }
        var w = alpha
        if separateWeights {
          w = act.weights.pointer + (row * n + k) * s
          w.update(from: alpha, count: s)
          if window == .localP {
            for j in lo..<hi { w[j] *= gaussian(j, centre: centre) }
          }
          if mode.hard {
            var best = lo
            for j in lo..<hi where w[j] > w[best] { best = j }
            w.update(repeating: 0, count: s)
            w[best] = 1
          }
        }
        // c_k = Σ_j w_j (values_j)_k
        let ctx = out + bi * ldo + k * vh
        ctx.update(repeating: 0, count: vh)
        for j in lo..<hi where w[j] != 0 {
          VectorMath.axpy(w[j], values + (j * b + bi) * c + k * vh, ctx, count: vh)
        }
        if n == 1 {
          rep.update(from: w, count: s)
        } else {
          VectorMath.axpy(1 / Float(n), w, rep, count: s)
        }
      }
    }
    if let outputWeight {
      // c = W_O [c_1; …; c_n]
      BLAS.gemm(
        transB: true, m: b, n: c, k: c, a: act.mixed.pointer + i * b * c, lda: c, b: store.value(outputWeight),
        ldb: c, beta: 0, c: context, ldc: ldc)
    }
  }

  /// Backward of step i's `forward` (same query, projected and encoder). Writes ∂L/∂query
  /// [B, Dq] (dot, general, scaled-dot; rows `lddq` apart) and ∂L/∂projected [B, projectedQuerySize]
  /// (rows `lddp` apart); adds into ∂L/∂h̄ (`dEncoder`, for the parts that read h̄ directly), into
  /// the key and value gradients kept in `act` (see `finishBackward`) and into v_a, v_p.
  public func backward(
    _ store: ParameterStore, _ act: Activations, step i: Int, batch b: Int, steps s: Int,
    lengths: UnsafePointer<Int32>, query: UnsafePointer<Float>, ldq: Int,
    projected: UnsafePointer<Float>, ldp: Int, encoder: UnsafePointer<Float>,
    dContext: UnsafePointer<Float>, lddc: Int, dQuery: UnsafeMutablePointer<Float>, lddq: Int,
    dProjected: UnsafeMutablePointer<Float>, lddp: Int, dEncoder: UnsafeMutablePointer<Float>,
    temperature: Float
  ) {
    let (n, dh, vh, c, a) = (heads, scoreHeadWidth, valueHeadWidth, contextSize, attentionSize)
    let invT = 1 / temperature
    let keys = keysAreEncoderStates ? encoder : UnsafePointer(act.keys.pointer)
    let dKeys = keysAreEncoderStates ? dEncoder : act.dKeys.pointer
    let ldk = keySize
    let values = n == 1 ? encoder : UnsafePointer(act.values.pointer)
    let dValues = n == 1 ? dEncoder : act.dValues.pointer
    var (dOut, lddo) = (dContext, lddc)
    if let outputWeight {
      // c = W_O m  →  dm = dc W_O
      BLAS.gemm(
        m: b, n: c, k: c, a: dContext, lda: lddc, b: store.value(outputWeight), ldb: c, beta: 0,
        c: act.dMixed.pointer, ldc: c)
      (dOut, lddo) = (UnsafePointer(act.dMixed.pointer), c)
    }
    let dAlpha = act.scratch.pointer
    let vp = v.map { UnsafePointer(store.value($0)) }
    let dv = v.map { store.gradient($0) }
    for bi in 0..<b {
      let len = Int(lengths[bi])
      let row = i * b + bi
      let (lo, hi, centre) = windowOf(act, step: i, row: row, length: len)
      if projectedQuerySize > 0 { (dProjected + bi * lddp).update(repeating: 0, count: projectedQuerySize) }
      if vp == nil { (dQuery + bi * lddq).update(repeating: 0, count: querySize) }
      var dCentre: Float = 0
      for k in 0..<n {
        let alpha = act.align.pointer + (row * n + k) * s
        let w = window == .localP ? act.weights.pointer + (row * n + k) * s : alpha
        let dc = dOut + bi * lddo + k * vh
        // c_k = Σ_j w_j v_j  →  dw_j = dc_k · v_j,  dv_j += w_j dc_k
        for j in lo..<hi {
          let valueRow = (j * b + bi) * c + k * vh
          dAlpha[j] = VectorMath.dot(dc, values + valueRow, count: vh)
          if w[j] != 0 { VectorMath.axpy(w[j], dc, dValues + valueRow, count: vh) }
        }
        if window == .localP {
          // w_j = α_j g_j(p),  ∂g_j/∂p = g_j (j − p) / σ²
          for j in lo..<hi {
            let g = gaussian(j, centre: centre)
            dCentre += dAlpha[j] * alpha[j] * g * 2 * (Float(j) - centre) / twoSigmaSquared
            dAlpha[j] *= g
          }
        }
        switch normalizer {
        case .softmax: Normalizers.softmaxBackward(alpha, dAlpha, lo: lo, hi: hi)
        case .sparsemax: Normalizers.sparsemaxBackward(alpha, dAlpha, lo: lo, hi: hi)
        }
        if let vp, let dv {
          // e_j = v_k · t_j / τ, t_j = tanh(q_k + key_j)
          let dq = dProjected + bi * lddp + k * dh
          let vk = vp + k * dh, dvk = dv + k * dh
          for j in lo..<hi {
            let de = dAlpha[j] * invT
            let p = act.pre.pointer + (act.preStep(i) * s * b + j * b + bi) * a + k * dh
            let dk = dKeys + (j * b + bi) * ldk + k * dh
            var x = 0
            while x < dh {
              let w = min(16, dh - x)
              let t = VectorMath.load(p + x, count: w)
              let dpre = de * VectorMath.load(vk + x, count: w) * (1 - t * t)
              VectorMath.store(VectorMath.load(dvk + x, count: w) + de * t, dvk + x, count: w)
              VectorMath.store(VectorMath.load(dq + x, count: w) + dpre, dq + x, count: w)
              VectorMath.store(VectorMath.load(dk + x, count: w) + dpre, dk + x, count: w)
              x += 16
            }
          }
        } else {
          // e_j = f q_k · key_j  →  dq_k += f de_j key_j,  dkey_j += f de_j q_k
          let q = query + bi * ldq + k * dh, dq = dQuery + bi * lddq + k * dh
          let f = scoreScale * invT
          for j in lo..<hi {
            let de = dAlpha[j] * f
            if de == 0 { continue }
            let keyRow = (j * b + bi) * ldk + k * dh
            VectorMath.axpy(de, keys + keyRow, dq, count: dh)
            VectorMath.axpy(de, q, dKeys + keyRow, count: dh)
          }
        }
      }
      if window == .localP, let positionV {
        // p = (len − 1) σ(x), x = v_p · t, t = tanh(W_p q)
        let sigma = act.position[row]
        let dx = dCentre * Float(len - 1) * sigma * (1 - sigma)
        let t = act.positionPre.pointer + row * a
        VectorMath.axpy(dx, t, store.gradient(positionV), count: a)
        let vpp = store.value(positionV)
        let dpq = dProjected + bi * lddp + (kind.isAdditive ? a : 0)
        for x in 0..<a { dpq[x] = dx * vpp[x] * (1 - t[x] * t[x]) }
      }
    }
  }
}
