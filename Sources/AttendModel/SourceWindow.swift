#if canImport(Glibc)
  import Glibc
#endif
import AttendKernels

// Shapes: B batch, T decoder steps, S source length, A attention size, Dq query width.

/// Which source positions a decoder step may attend to, and (local-p) how they are weighted:
///
///     global    every real position
///     local-m   |j − p| ≤ D around p = min(i, len − 1)
///     local-p   |j − p| ≤ D around p = (len − 1) σ(v_p · tanh(W_p q)), weights × exp(−(j − p)² / 2σ²), σ = D/2
///
/// Local-p's W_p q arrives in the projected query, after W_a q for additive scores.
struct SourceWindow {
  let kind: AttentionWindow
  /// D.
  let halfWidth: Int
  let positionWeight: ParameterID?  // W_p [A, Dq]
  let positionV: ParameterID?  // v_p [A]
  let attentionSize: Int
  /// Where W_p q starts in a projected-query row.
  let positionOffset: Int

  /// Local-p's σ = D / 2 enters the Gaussian as 2σ² = D² / 2.
  var twoSigmaSquared: Float { Float(halfWidth * halfWidth) / 2 }

  /// The Gaussian reweights the normalised scores (local-p only).
  var reweights: Bool { kind == .localP }

  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    guard let positionV else { return }
    Initialization.fill(store.value(positionV), rows: 1, columns: attentionSize, scheme: scheme, range: range, rng: &rng)
  }

  // MARK: The window

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
  /// local-p, `act.position` must hold the row's σ (`predictPosition` first).
  @inline(__always)
  func range(_ act: Attention.Activations, step i: Int, row: Int, length len: Int) -> (Int, Int, Float) {
    switch kind {
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

  // MARK: Local-p's predicted position

  /// act.position[row] = σ(v_p · tanh(W_p q)); `projected`: the row's projected query.
  func predictPosition(_ store: ParameterStore, _ act: Attention.Activations, row: Int, projected: UnsafePointer<Float>) {
    let a = attentionSize
    let t = act.positionPre.pointer + row * a
    VectorMath.tanh(projected + positionOffset, t, count: a)
    let x = VectorMath.dot(t, store.value(positionV!), count: a)
    act.position[row] = 1 / (1 + expf(-x))
  }

  /// Backward of `predictPosition` given ∂L/∂p: into v_p's gradient and the row's ∂L/∂(W_p q).
  func predictPositionBackward(
    _ store: ParameterStore, _ act: Attention.Activations, row: Int, length len: Int, dCentre: Float,
    dProjected: UnsafeMutablePointer<Float>
  ) {
    // p = (len − 1) σ(x), x = v_p · t, t = tanh(W_p q)
    let a = attentionSize
    let sigma = act.position[row]
    let dx = dCentre * Float(len - 1) * sigma * (1 - sigma)
    let t = act.positionPre.pointer + row * a
    VectorMath.axpy(dx, t, store.gradient(positionV!), count: a)
    let vpp = store.value(positionV!)
    let dpq = dProjected + positionOffset
    for x in 0..<a { dpq[x] = dx * vpp[x] * (1 - t[x] * t[x]) }
  }

  // MARK: Local-p's Gaussian

  @inline(__always)
  func gaussian(_ j: Int, centre: Float) -> Float {
    let d = Float(j) - centre
    return expf(-d * d / twoSigmaSquared)
  }

  /// w_j ×= g_j(p) over the window.
  func reweight(_ w: UnsafeMutablePointer<Float>, lo: Int, hi: Int, centre: Float) {
    for j in lo..<hi { w[j] *= gaussian(j, centre: centre) }
  }

  /// Backward of `reweight` (w_j = α_j g_j(p), ∂g_j/∂p = g_j (j − p) / σ²): dα ×= g, and ∂L/∂p
  /// accumulates in `dCentre`.
  func reweightBackward(
    alpha: UnsafePointer<Float>, dWeights: UnsafeMutablePointer<Float>, lo: Int, hi: Int, centre: Float,
    dCentre: inout Float
  ) {
    for j in lo..<hi {
      let g = gaussian(j, centre: centre)
      dCentre += dWeights[j] * alpha[j] * g * 2 * (Float(j) - centre) / twoSigmaSquared
      dWeights[j] *= g
    }
  }
}
