import AttendKernels

// Shapes: B batch, S source length, T decoder steps, C encoder state width, Dq query width (the
// decoder state, H), A attention size, n heads. Encoder rows are time-major: row j * B + b.

/// Attention over the encoder states h̄, composed from four independent parts:
///
///     score      e_j = score(q, h̄_j) / τ          `AttentionScore`: AdditiveScore (bahdanau,
///                                                  concat), DotScore (dot, scaled-dot), GeneralScore
///     normaliser α = softmax(e) or sparsemax(e)    `WeightNormalizer`, over the window's positions
///     window     global | local-m | local-p        `SourceWindow`; local-p multiplies α by a Gaussian
///     heads      n slices of the score, values    `AttentionHeads`: c = W_O [c^1; …; c^n]
///                W_V h̄, one context each
///
/// Padding positions get weight exactly 0. The call shape is shared by every variant: keys (and
/// values) are projected once per batch (`projectKeys`), then each step maps (query, projected
/// query, lengths) to (context, weights). Queries come in two forms because additive and local-p
/// scores need W q, which the decoder computes together with its recurrent product
/// (`queryWeights` are declared right after the decoder's W_hh so the two are one matrix); dot
/// and general read the raw decoder state. Which state is the query is the decoder order's
/// choice (s_{i-1} or h_t), so every score runs in either order.
///
/// Parameters (names as in the PyTorch mirror, scripts/reference_model.py), in declaration order:
///     attention.query.weight     W_a [A, Dq]     additive
///     attention.position.weight  W_p [A, Dq]     local-p
///     attention.key.weight       U_a [A, C]      additive;  W_a [Dq, C] general
///     attention.v                v_a [A]         additive
///     attention.position.v       v_p [A]         local-p
///     attention.value.weight     W_V [C, C]      n > 1
///     attention.output.weight    W_O [C, C]      n > 1
public struct Attention {
  public let kind: AttentionKind
  let score: AttentionScore
  let normalizer: WeightNormalizer
  let window: SourceWindow
  let heads: AttentionHeads
  public let querySize: Int
  public let contextSize: Int
  public let attentionSize: Int

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
    querySize = query
    contextSize = context
    attentionSize = attention
    var positionWeight: ParameterID?
    score = makeScore(kind, store, name, query: query, context: context, attention: attention, heads: heads) {
      // Local-p's W_p also reads the query: it joins the fused matrix right after the score's W_a.
      if window == .localP { positionWeight = store.declare("\(name).position.weight", [attention, query]) }
    }
    self.window = SourceWindow(
      kind: window, halfWidth: halfWidth, positionWeight: positionWeight,
      positionV: window == .localP ? store.declare("\(name).position.v", [attention]) : nil, attentionSize: attention,
      positionOffset: kind.isAdditive ? attention : 0)
    self.heads = AttentionHeads(store, name, count: heads, context: context)
    self.normalizer = normalizer.function
  }

  /// The query-side weights, in the order they follow the decoder's W_hh.
  public var queryWeights: [ParameterID] { [score.queryWeight, window.positionWeight].compactMap { $0 } }
  /// Width of the projected query [W_a q | W_p q] the caller supplies (0 when none is needed).
  public var projectedQuerySize: Int { queryWeights.count * attentionSize }
  /// Whether the score reads the raw query (dot, scaled-dot, general), whose gradient `backward`
  /// writes to dQuery.
  public var readsRawQuery: Bool { score.readsRawQuery }
  public var keyWeight: ParameterID? { score.keyWeight }
  public var v: ParameterID? { score.v }

  /// Everything but the query-side weights (see `initializeQuerySide`).
  public func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    score.initialize(store, scheme: scheme, range: range, rng: &rng)
    window.initialize(store, scheme: scheme, range: range, rng: &rng)
    heads.initialize(store, scheme: scheme, range: range, rng: &rng)
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
      let (c, a, n) = (att.contextSize, att.attentionSize, att.heads.count)
      let keyCount = att.score.keyWeight == nil ? 0 : s * b * att.score.keySize
      keys.resize(keyCount)
      dKeys.resize(keyCount)
      values.resize(n > 1 ? s * b * c : 0)
      dValues.resize(n > 1 ? s * b * c : 0)
      mixed.resize(n > 1 ? t * b * c : 0)
      dMixed.resize(n > 1 ? b * c : 0)
      pre.resize(att.kind.isAdditive ? (keepsEveryStep ? t : 1) * s * b * a : 0)
      align.resize(t * b * n * s)
      weights.resize(t * b * n * s)
      position.resize(att.window.kind == .localP ? t * b : 0)
      positionPre.resize(att.window.kind == .localP ? t * b * a : 0)
      scratch.resize(max(s, 1))
    }
  }

  // MARK: Keys and values, once per batch

  /// keys [S*B, keySize] = h̄ Kᵀ (K = U_a or W_a); values [S*B, C] = h̄ W_Vᵀ (n > 1).
  public func projectKeys(_ store: ParameterStore, _ act: Activations, rows n: Int, encoder: UnsafePointer<Float>) {
    score.projectKeys(store, act, rows: n, encoder: encoder, context: contextSize)
    heads.projectValues(store, act, rows: n, encoder: encoder)
  }

  /// Zeroes the key and value gradients before the first (that is, last) step's backward.
  public func beginBackward(_ act: Activations) {
    precondition(act.keepsEveryStep, "attention backward needs a workspace prepared for training")
    act.dKeys.zero()
    act.dValues.zero()
  }

  /// After every step's backward, the backward of `projectKeys` and of the heads' W_O: their
  /// weight gradients and their part of ∂L/∂h̄. dContexts: [T*B, C] every step's ∂L/∂c, rows
  /// `lddc` apart.
  public func finishBackward(
    _ store: ParameterStore, _ act: Activations, encoderRows n: Int, encoder: UnsafePointer<Float>,
    dEncoder: UnsafeMutablePointer<Float>, decoderRows r: Int, dContexts: UnsafePointer<Float>, lddc: Int
  ) {
    score.projectKeysBackward(store, act, rows: n, encoder: encoder, context: contextSize, dEncoder: dEncoder)
    heads.finishBackward(
      store, act, encoderRows: n, encoder: encoder, dEncoder: dEncoder, decoderRows: r, dContexts: dContexts,
      lddc: lddc)
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
    let (n, vh, c) = (heads.count, heads.valueWidth, contextSize)
    let invT = 1 / mode.temperature
    let keys = score.keyWeight == nil ? encoder : UnsafePointer(act.keys.pointer)
    let values = n == 1 ? encoder : UnsafePointer(act.values.pointer)
    let (out, ldo) = n == 1 ? (context, ldc) : (act.mixed.pointer + i * b * c, c)
    let separateWeights = window.reweights || mode.hard
    for bi in 0..<b {
      let len = Int(lengths[bi])
      let row = i * b + bi
      if window.kind == .localP { window.predictPosition(store, act, row: row, projected: projected + bi * ldp) }
      let (lo, hi, centre) = window.range(act, step: i, row: row, length: len)
      let rep = report + bi * s
      if n > 1 { rep.update(repeating: 0, count: s) }
      for k in 0..<n {
        let site = ScoreSite(step: i, sentence: bi, batch: b, sourceLength: s, head: k, lo: lo, hi: hi)
        let alpha = act.align.pointer + (row * n + k) * s
        score.scores(
          store, act, site, query: query + bi * ldq, projected: projected + bi * ldp, keys: keys, invT: invT,
          into: alpha)
        normalizer.normalize(alpha, lo: lo, hi: hi, scratch: act.scratch.pointer)
        for j in 0..<lo { alpha[j] = 0 }
        for j in hi..<s { alpha[j] = 0 }
        var w = alpha
        if separateWeights {
          w = act.weights.pointer + (row * n + k) * s
          w.update(from: alpha, count: s)
          if window.reweights { window.reweight(w, lo: lo, hi: hi, centre: centre) }
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
    heads.combine(store, act, step: i, batch: b, context: context, ldc: ldc)
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
    let (n, vh, c) = (heads.count, heads.valueWidth, contextSize)
    let invT = 1 / temperature
    let keys = score.keyWeight == nil ? encoder : UnsafePointer(act.keys.pointer)
    let dKeys = score.keyWeight == nil ? dEncoder : act.dKeys.pointer
    let values = n == 1 ? encoder : UnsafePointer(act.values.pointer)
    let dValues = n == 1 ? dEncoder : act.dValues.pointer
    let (dOut, lddo) = heads.combineBackward(store, act, batch: b, dContext: dContext, lddc: lddc)
    let dAlpha = act.scratch.pointer
    for bi in 0..<b {
      let len = Int(lengths[bi])
      let row = i * b + bi
      let (lo, hi, centre) = window.range(act, step: i, row: row, length: len)
      if projectedQuerySize > 0 { (dProjected + bi * lddp).update(repeating: 0, count: projectedQuerySize) }
      if score.readsRawQuery { (dQuery + bi * lddq).update(repeating: 0, count: querySize) }
      var dCentre: Float = 0
      for k in 0..<n {
        let alpha = act.align.pointer + (row * n + k) * s
        let w = window.reweights ? act.weights.pointer + (row * n + k) * s : alpha
        let dc = dOut + bi * lddo + k * vh
        // c_k = Σ_j w_j v_j  →  dw_j = dc_k · v_j,  dv_j += w_j dc_k
        for j in lo..<hi {
          let valueRow = (j * b + bi) * c + k * vh
          dAlpha[j] = VectorMath.dot(dc, values + valueRow, count: vh)
          if w[j] != 0 { VectorMath.axpy(w[j], dc, dValues + valueRow, count: vh) }
        }
        if window.reweights {
          window.reweightBackward(alpha: alpha, dWeights: dAlpha, lo: lo, hi: hi, centre: centre, dCentre: &dCentre)
        }
        normalizer.backward(alpha, dAlpha, lo: lo, hi: hi)
        let site = ScoreSite(step: i, sentence: bi, batch: b, sourceLength: s, head: k, lo: lo, hi: hi)
        score.scoresBackward(
          store, act, site, query: query + bi * ldq, keys: keys, dScores: dAlpha, invT: invT,
          dQuery: dQuery + bi * lddq, dProjected: dProjected + bi * lddp, dKeys: dKeys)
      }
      if window.kind == .localP {
        window.predictPositionBackward(
          store, act, row: row, length: len, dCentre: dCentre, dProjected: dProjected + bi * lddp)
      }
    }
  }
}
