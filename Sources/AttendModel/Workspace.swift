import AttendData
import AttendKernels

/// What a forward pass is for; it decides dropout and the default attention mode
/// (`ModelConfig.attentionMode(for:)`).
public enum ForwardMode: Sendable {
  /// Training: dropout on (masks drawn from the training generator), training temperature τ.
  case training
  /// Teacher-forced loss without gradients (dev loss): no dropout, training temperature.
  case scoring
  /// Search: no dropout, the attention mode the search passes in (temperature, hard attention;
  /// by default the config's decoding settings).
  case decoding
}

/// Every activation and gradient buffer of one forward/backward pass, sized for the largest
/// batch seen so far and reused, so training steps do not allocate.
public final class Workspace {
  public private(set) var batch = 0
  public private(set) var sourceLength = 0
  public private(set) var decoderSteps = 0
  /// Set by `prepare`: `.decoding` unless asked (what search needs); the model's training and
  /// scoring passes ask for theirs.
  public internal(set) var mode: ForwardMode = .decoding
  /// How this pass's attention turns scores into a context; forward and backward both read it.
  public private(set) var attentionMode = AttentionMode()
  var sourceTokens: [Int32] = []
  var sourceLengths: [Int32] = []
  /// [T*B] decoder input tokens actually fed (teacher forcing may replace some).
  var decoderInputs: [Int32] = []

  let encoder = Encoder.Activations()
  let attention = Attention.Activations()
  var layers: [DecoderLayer.Activations] = []
  let bridgeInput = FloatBuffer(count: 0)  // [B, C] the top encoder layer's final states, or their mean
  let initialState = FloatBuffer(count: 0)  // [B, H] s_0, where every decoder layer starts
  let z = FloatBuffer(count: 0)  // [T*B, E + C + H] e_i | c_i | top layer's output of step i
  let embeddingDropout = FloatBuffer(count: 0)  // [T*B, E] mask on the target embeddings
  let g = FloatBuffer(count: 0)  // [(T+1)*B, 3H + Aq] top layer's recurrent projection | projected query
  let outputInput = FloatBuffer(count: 0)  // [T*B, E] readout t_i (Bahdanau) or [T*B, H] h̃_t (Luong)
  /// [T*B, S] attention weights: row (i, b) is α_i of sentence b (averaged over heads).
  public let attentionWeights = FloatBuffer(count: 0)
  /// [T*B, V] logits (replaced by their gradient during training); decoding: step i's rows at
  /// `blockRow(i * B)`.
  public let logits = FloatBuffer(count: 0)

  let dOutputInput = FloatBuffer(count: 0)  // [T*B, E or H]
  let dZ = FloatBuffer(count: 0)  // [T*B, E + C + H]
  let dG = FloatBuffer(count: 0)  // [(T+1)*B, 3H + Aq]
  let dQuery = FloatBuffer(count: 0)  // [B, H] ∂L/∂ the raw attention query of one step
  let dInitial = FloatBuffer(count: 0)  // [B, H] ∂L/∂s_0
  let dBridgeInput = FloatBuffer(count: 0)  // [B, C]
  let reorderScratch = FloatBuffer(count: 0)  // [B, max(3H + Aq, H)] (beam search's reorder)

  /// Whether the per-step decoder buffers (Z, G, GI, the gates, the layers' states, the readout
  /// and the logits) are a ring of two step blocks: decoding only ever reads the previous step,
  /// so it needs two blocks however long the output, where training and scoring keep every step
  /// for backward and the batched output layer. Most of a translation process's memory otherwise.
  public private(set) var stepRing = false

  /// Where step block k of a per-step decoder buffer lives.
  @inline(__always) public func block(_ k: Int) -> Int { stepRing ? k & 1 : k }

  /// Where decoder row `row` (sentence row % B of step row / B) lives in a per-step buffer.
  @inline(__always) public func blockRow(_ row: Int) -> Int {
    stepRing ? (row / batch & 1) * batch + row % batch : row
  }

  public init() {}

  /// Sets the decoder input of one sentence at one step (for search, which feeds predictions).
  public func setDecoderInput(step i: Int, sentence b: Int, token: Int32) {
    decoderInputs[i * batch + b] = token
  }

  /// Sizes every buffer for `batch` and `t` decoder steps; decoder inputs are the batch's
  /// teacher-forced inputs when they cover that many steps, `<s>` then padding otherwise. Only
  /// `.training` keeps what backward needs of every step (the additive attention's tanh
  /// features); the other modes reuse one step's room, which is most of an evaluation's memory
  /// otherwise. `attention` is the pass's attention mode; nil takes the config's for `mode`
  /// (`ModelConfig.attentionMode(for:)`).
  public func prepare(
    batch: Batch, model m: Seq2Seq, decoderSteps t: Int, mode: ForwardMode = .decoding,
    attention given: AttentionMode? = nil
  ) {
    let (b, s) = (batch.size, batch.sourceLength)
    self.batch = b
    sourceLength = s
    decoderSteps = t
    sourceTokens = batch.sourceTokens
    sourceLengths = batch.sourceLengths
    if batch.targetLength == t {
      decoderInputs = batch.targetInput
    } else {
      decoderInputs = [Int32](repeating: SpecialToken.pad, count: t * b)
      for bi in 0..<b { decoderInputs[bi] = SpecialToken.bos }
    }
    self.mode = mode
    attentionMode = given ?? m.config.attentionMode(for: mode)
    stepRing = mode == .decoding
    // Step blocks of the per-step buffers: T, or the ring's two.
    let kept = stepRing ? 2 : t
    let (e, h, c, v) = (m.e, m.h, m.c, m.targetVocabularySize)
    let (zw, gw, ow) = (m.zWidth, m.gWidth, m.outputInputSize)
    let dropout = m.config.dropout > 0
    encoder.prepare(
      m.encoder, batch: b, sourceLength: s, lengths: batch.sourceLengths, dropout: dropout,
      keepsEveryStep: mode == .training)
    attention.prepare(m.attention, batch: b, sourceLength: s, steps: t, keepsEveryStep: mode == .training)
    while layers.count < m.layerCount { layers.append(DecoderLayer.Activations()) }
    if layers.count > m.layerCount { layers.removeLast(layers.count - m.layerCount) }
    for (l, layer) in layers.enumerated() {
      layer.prepare(layer: l, top: l == m.top, batch: b, steps: kept, hidden: h, masked: dropout)
    }
    bridgeInput.resize(b * c)
    initialState.resize(b * h)
    z.resize(kept * b * zw)
    embeddingDropout.resize(dropout ? t * b * e : 0)
    g.resize((kept + 1) * b * gw)
    outputInput.resize(kept * b * ow)
    attentionWeights.resize(t * b * s)
    logits.resize(kept * b * v)
    dOutputInput.resize(t * b * ow)
    dZ.resize(t * b * zw)
    dG.resize((t + 1) * b * gw)
    dQuery.resize(b * h)
    dInitial.resize(b * h)
    dBridgeInput.resize(b * c)
    reorderScratch.resize(b * max(gw, h))
  }
}
