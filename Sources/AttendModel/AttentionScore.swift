import AttendKernels

// Shapes: B batch, S source length, C encoder state width, Dq query width, A attention size,
// n heads, d = one head's slice of the score's vectors. Encoder rows are time-major: j * B + b.

/// Where one score call works: decoder step i, sentence b, head k, over the window lo..<hi.
struct ScoreSite {
  var step: Int
  var sentence: Int
  var batch: Int
  var sourceLength: Int
  var head: Int
  var lo: Int
  var hi: Int
}

/// A score function e_j = score(q, h̄_j): its parameters, its keys (projected once per batch) and
/// the scores of one (step, sentence, head) with their backward. `Attention` wraps it with the
/// normaliser, the window and the heads; the decoder order only chooses the query.
protocol AttentionScore {
  /// W_a [A, Dq] applied to the query by the decoder, in the product with its W_hh (additive
  /// scores); nil when the score reads the raw query.
  var queryWeight: ParameterID? { get }
  /// K: keys = h̄ Kᵀ, projected once per batch; nil when the keys are h̄ themselves.
  var keyWeight: ParameterID? { get }
  /// v_a [A] (additive scores).
  var v: ParameterID? { get }
  /// Width of a key row: A (additive), Dq (general), C (dot).
  var keySize: Int { get }
  /// d: width of one head's slice of the query and key vectors.
  var headWidth: Int { get }

  /// The key-side parameters (K, then v), drawn before the query side.
  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator)
  /// e[j] = score(q_k, key_j) / τ for j in the site's window. `query`: the sentence's raw query
  /// row; `projected`: its projected query row; `keys` rows `keySize` apart.
  func scores(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    projected: UnsafePointer<Float>, keys: UnsafePointer<Float>, invT: Float, into e: UnsafeMutablePointer<Float>)
  /// Backward of `scores` given ∂L/∂e (before the 1/τ): adds into the sentence's ∂L/∂query row
  /// (raw-query scores) or ∂L/∂projected row (additive), into ∂L/∂keys and into v's gradient.
  func scoresBackward(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, dScores: UnsafePointer<Float>, invT: Float, dQuery: UnsafeMutablePointer<Float>,
    dProjected: UnsafeMutablePointer<Float>, dKeys: UnsafeMutablePointer<Float>)
}

extension AttentionScore {
  /// Whether the score reads the decoder state itself (dot, scaled-dot, general): its gradient
  /// then flows straight back to that state.
  var readsRawQuery: Bool { queryWeight == nil }

  /// keys [S*B, keySize] = h̄ Kᵀ, once per batch (nothing when the keys are h̄).
  func projectKeys(
    _ store: ParameterStore, _ act: Attention.Activations, rows n: Int, encoder: UnsafePointer<Float>, context c: Int
  ) {
    guard let keyWeight else { return }
    BLAS.gemm(
      transB: true, m: n, n: keySize, k: c, a: encoder, lda: c, b: store.value(keyWeight), ldb: c, beta: 0,
      c: act.keys.pointer, ldc: keySize)
  }

  /// Backward of `projectKeys` after every step: dK += dKeysᵀ h̄ and ∂L/∂h̄ += dKeys K.
  func projectKeysBackward(
    _ store: ParameterStore, _ act: Attention.Activations, rows n: Int, encoder: UnsafePointer<Float>, context c: Int,
    dEncoder: UnsafeMutablePointer<Float>
  ) {
    guard let keyWeight else { return }
    BLAS.gemm(
      transA: true, m: keySize, n: c, k: n, a: act.dKeys.pointer, lda: keySize, b: encoder, ldb: c, beta: 1,
      c: store.gradient(keyWeight), ldc: c)
    BLAS.gemm(
      m: n, n: c, k: keySize, a: act.dKeys.pointer, lda: keySize, b: store.value(keyWeight), ldb: c, beta: 1,
      c: dEncoder, ldc: c)
  }
}

/// The score function of `kind`, declaring its parameters in the order the checkpoint layout
/// fixes: the query-side weight first, then `afterQuerySide` (local-p's W_p, which joins the same
/// fused matrix), then the key-side ones.
func makeScore(
  _ kind: AttentionKind, _ store: ParameterStore, _ name: String, query: Int, context: Int, attention: Int,
  heads: Int, afterQuerySide: () -> Void
) -> AttentionScore {
  switch kind {
  case .bahdanau, .concat:
    return AdditiveScore(store, name, query: query, context: context, attention: attention, heads: heads, afterQuerySide)
  case .general:
    afterQuerySide()
    return GeneralScore(store, name, query: query, context: context, heads: heads)
  case .dot, .scaledDot:
    afterQuerySide()
    return DotScore(scaled: kind == .scaledDot, query: query, heads: heads)
  }
}
