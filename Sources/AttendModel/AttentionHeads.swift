import AttendKernels

// Shapes: B batch, T decoder steps, S source length, C encoder state width, n heads.

/// n heads around one score function: head k scores on its slice of the score's vectors and reads
/// its slice of the projected values; the heads' contexts are concatenated and projected.
///
///     V_j = W_V h̄_j          c^k = Σ_j a^k_j V_j[k]          c = W_O [c^1; …; c^n]
///
/// With n = 1 there is no W_V or W_O: c = Σ_j a_j h̄_j.
struct AttentionHeads {
  let count: Int
  let valueWeight: ParameterID?  // W_V [C, C] (n > 1)
  let outputWeight: ParameterID?  // W_O [C, C] (n > 1)
  let contextSize: Int

  init(_ store: ParameterStore, _ name: String, count: Int, context: Int) {
    self.count = count
    contextSize = context
    valueWeight = count > 1 ? store.declare("\(name).value.weight", [context, context]) : nil
    outputWeight = count > 1 ? store.declare("\(name).output.weight", [context, context]) : nil
  }

  /// Width of one head's slice of a value (and of its context).
  var valueWidth: Int { contextSize / count }

  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    for matrix in [valueWeight, outputWeight].compactMap({ $0 }) {
      Initialization.fill(
        store.value(matrix), rows: contextSize, columns: contextSize, scheme: scheme, range: range, rng: &rng)
    }
  }

  /// values [S*B, C] = h̄ W_Vᵀ, once per batch (n > 1).
  func projectValues(_ store: ParameterStore, _ act: Attention.Activations, rows n: Int, encoder: UnsafePointer<Float>) {
    guard let valueWeight else { return }
    let c = contextSize
    BLAS.gemm(
      transB: true, m: n, n: c, k: c, a: encoder, lda: c, b: store.value(valueWeight), ldb: c, beta: 0,
      c: act.values.pointer, ldc: c)
  }

  /// c = W_O [c^1; …; c^n] for step i's B rows (n > 1).
  func combine(
    _ store: ParameterStore, _ act: Attention.Activations, step i: Int, batch b: Int,
    context: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard let outputWeight else { return }
    let c = contextSize
    BLAS.gemm(
      transB: true, m: b, n: c, k: c, a: act.mixed.pointer + i * b * c, lda: c, b: store.value(outputWeight),
      ldb: c, beta: 0, c: context, ldc: ldc)
  }

  /// Backward of `combine` (dm = dc W_O): where the heads' context gradients are, and their stride.
  func combineBackward(
    _ store: ParameterStore, _ act: Attention.Activations, batch b: Int, dContext: UnsafePointer<Float>, lddc: Int
  ) -> (UnsafePointer<Float>, Int) {
    guard let outputWeight else { return (dContext, lddc) }
    let c = contextSize
    BLAS.gemm(
      m: b, n: c, k: c, a: dContext, lda: lddc, b: store.value(outputWeight), ldb: c, beta: 0,
      c: act.dMixed.pointer, ldc: c)
    return (UnsafePointer(act.dMixed.pointer), c)
  }

  /// After every step's backward: dW_O += dCᵀ mixed, dW_V += dValuesᵀ h̄ and ∂L/∂h̄ += dValues W_V.
  func finishBackward(
    _ store: ParameterStore, _ act: Attention.Activations, encoderRows n: Int, encoder: UnsafePointer<Float>,
    dEncoder: UnsafeMutablePointer<Float>, decoderRows r: Int, dContexts: UnsafePointer<Float>, lddc: Int
  ) {
    guard let valueWeight, let outputWeight else { return }
    let c = contextSize
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
