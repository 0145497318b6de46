import AttendData
import AttendKernels

// Shapes: B batch, S source length, T decoder steps, E embedding, H hidden, C context (2H
// bidirectional, H otherwise), V target vocabulary. Sequences are time-major: row t * B + b.
// The decoder's row buffers Z and G: DecoderStack.swift.

/// A GRU encoder–decoder with attention, forward and backward by hand: the encoder (and s_0,
/// Seq2Seq+Encoding.swift), a decoder of one order (`BahdanauDecoder`, `LuongDecoder`: the
/// equations are there and in docs/attention.md) and the output layer
///
///     p(y_i) = softmax(W_o f_i + b_o)      f_i: the readout t_i (E wide) or h̃_i (H wide)
///
/// The attention variants: Attention.swift.
public final class Seq2Seq {
  public let config: ModelConfig
  public let parameters: ParameterStore

  let encoder: Encoder
  let bridge: Linear?  // W_b [H, C]: decoder_init bridge and mean
  let decoder: AttentionDecoder
  let output: Linear  // [V, E] (Bahdanau) or [V, H] (Luong); the target embedding when tied

  var e: Int { config.embeddingSize }
  var h: Int { config.hiddenSize }
  var c: Int { config.contextSize }
  var attention: Attention { decoder.stack.attention }
  var top: Int { decoder.stack.top }
  var zWidth: Int { decoder.stack.zWidth }
  var gWidth: Int { decoder.stack.gWidth }
  /// Width of the output layer's input: the readout t_i (E) or h̃_t (H).
  var outputInputSize: Int { decoder.featureWidth }
  var layerCount: Int { decoder.stack.layers.count }
  public var targetVocabularySize: Int { config.targetVocabularySize }

  /// Declares every parameter and initialises them from `seed`. The config must be valid
  /// (`config.problems()` empty: the config loader and checkpoint reader check it).
  public init(config: ModelConfig, seed: UInt64) {
    precondition(config.sourceVocabularySize > 4 && config.targetVocabularySize > 4)
    let problems = config.problems()
    precondition(problems.isEmpty, "invalid model config: \(problems.map(\.description).joined(separator: "; "))")
    self.config = config
    let store = ParameterStore()
    let (e, h, c) = (config.embeddingSize, config.hiddenSize, config.contextSize)
    encoder = Encoder(
      store, vocabulary: config.sourceVocabularySize, embedding: e, hidden: h, layers: config.encoderLayers,
      bidirectional: config.bidirectional)
    bridge =
      config.decoderInit == .bridge || config.decoderInit == .mean ? Linear(store, "bridge", input: c, output: h) : nil
    decoder = makeDecoder(store, config: config)
    output =
      config.tieEmbeddings
      ? Linear(store, "decoder.output", sharing: decoder.stack.embedding.table)
      : Linear(store, "decoder.output", input: decoder.featureWidth, output: config.targetVocabularySize)
    store.seal()
    decoder.stack.checkFusedQuery()
    parameters = store

    // Initial values, in an order that keeps the original Bahdanau model's values for a seed.
    var rng = RandomGenerator(seed: seed)
    let range = Float(config.initRange)
    for table in [encoder.embedding.table, decoder.stack.embedding.table] {
      Initialization.uniform(store.value(table), count: store[table].count, bound: range, rng: &rng)
    }
    encoder.initialize(store, input: config.weightInit, recurrent: config.recurrentInit, range: range, rng: &rng)
    for layer in [bridge, decoder.featureLayer, config.tieEmbeddings ? nil : output].compactMap({ $0 }) {
      Initialization.fill(
        store.value(layer.weight), rows: layer.outputSize, columns: layer.inputSize, scheme: config.weightInit,
        range: range, rng: &rng)
    }
    decoder.stack.initialize(config, rng: &rng)
  }

  /// Dropout applies to this pass: training, with a rate above 0.
  @inline(__always)
  func dropoutActive(_ ws: Workspace) -> Bool { ws.mode == .training && config.dropout > 0 }

  /// Draws every dropout mask of one training batch: encoder, target embeddings, decoder layers.
  func sampleDropout(_ ws: Workspace, rng: inout RandomGenerator) {
    let rate = Float(config.dropout)
    ws.encoder.sampleDropout(rate: rate, rng: &rng)
    Dropout.sample(ws.embeddingDropout.pointer, count: ws.embeddingDropout.count, rate: rate, rng: &rng)
    for act in ws.layers.dropFirst() {
      Dropout.sample(act.dropout.pointer, count: act.dropout.count, rate: rate, rng: &rng)
    }
  }

  // MARK: Decoding one step at a time (search) or all steps (training)

  /// Looks up the embeddings of `count` consecutive decoder rows starting at `row` and adds their
  /// part of the first layer's input projection.
  public func embedDecoderInputs(_ ws: Workspace, row: Int, count: Int) { decoder.stack.embed(ws, row: row, count: count) }

  /// Decoder step i (after `embedDecoderInputs` for its rows): fills the step's context, states
  /// and attention weights.
  public func decoderStep(_ ws: Workspace, step i: Int) { decoder.step(ws, step: i) }

  /// The readout (Bahdanau) or h̃ (Luong) and the output layer for `count` decoder rows from
  /// `row`: logits [count, V].
  public func outputRows(_ ws: Workspace, row: Int, count: Int) {
    let w = outputInputSize, v = targetVocabularySize
    decoder.features(ws, row: row, count: count)
    output.forward(
      parameters, rows: count, x: ws.outputInput.pointer + ws.blockRow(row) * w, ldx: w,
      y: ws.logits.pointer + ws.blockRow(row) * v, ldy: v)
  }

  /// Beam search: after step i, row r of the recurrent state that step i + 1 reads becomes a copy
  /// of row `sourceRows[r]` (B entries, each a row of the same sentence), so each surviving
  /// hypothesis continues from its parent's state: every layer's state and, in Luong's order, the
  /// top layer's projection for the next step and h̃_i. Does not allocate.
  public func reorderDecoderState(_ ws: Workspace, step i: Int, sourceRows: UnsafeBufferPointer<Int32>) {
    precondition(sourceRows.count == ws.batch && i + 1 < ws.decoderSteps)
    let b = ws.batch
    let scratch = ws.reorderScratch.pointer
    decoder.reorder(ws, step: i) { base, ld, width in
      for r in 0..<b { (scratch + r * width).update(from: base + Int(sourceRows[r]) * ld, count: width) }
      for r in 0..<b { (base + r * ld).update(from: scratch + r * width, count: width) }
    }
  }

  // MARK: Training

  /// Forward and backward for one batch with teacher forcing. Adds gradients into
  /// `parameters.gradients` (zero them first) and returns the summed token loss and the number
  /// of target tokens it is summed over. With `teacherForcing` < 1, each sentence's input at
  /// each step is its own previous greedy prediction with probability 1 − teacherForcing.
  public func lossAndGradients(
    batch: Batch, workspace ws: Workspace, teacherForcing: Float = 1,
    rng: inout RandomGenerator
  ) -> (lossSum: Double, tokens: Int) {
    run(batch: batch, workspace: ws, teacherForcing: teacherForcing, rng: &rng, backward: true)
  }

  /// The teacher-forced loss of a batch without touching the gradients (for dev loss).
  public func loss(batch: Batch, workspace ws: Workspace) -> (lossSum: Double, tokens: Int) {
    var rng = RandomGenerator(seed: 0)
    return run(batch: batch, workspace: ws, teacherForcing: 1, rng: &rng, backward: false)
  }

  func run(
    batch: Batch, workspace ws: Workspace, teacherForcing: Float, rng: inout RandomGenerator,
    backward computeGradients: Bool
  ) -> (lossSum: Double, tokens: Int) {
    let (b, t) = (batch.size, batch.targetLength)
    ws.prepare(batch: batch, model: self, decoderSteps: t, mode: computeGradients ? .training : .scoring)
    if dropoutActive(ws) { sampleDropout(ws, rng: &rng) }
    encode(ws)
    let rows = t * b
    if teacherForcing >= 1 {
      embedDecoderInputs(ws, row: 0, count: rows)
      for i in 0..<t { decoderStep(ws, step: i) }
      outputRows(ws, row: 0, count: rows)
    } else {
      for i in 0..<t {
        if i > 0 {
          for bi in 0..<b where rng.nextFloat() >= teacherForcing {
            ws.decoderInputs[i * b + bi] = SoftmaxCrossEntropy.argmax(
              ws.logits.pointer + ((i - 1) * b + bi) * targetVocabularySize, count: targetVocabularySize)
          }
        }
        embedDecoderInputs(ws, row: i * b, count: b)
        decoderStep(ws, step: i)
        outputRows(ws, row: i * b, count: b)
      }
    }
    let tokens = batch.targetTokenCount
    let lossSum = batch.targetOutput.withUnsafeBufferPointer {
      SoftmaxCrossEntropy.forwardBackward(
        logits: ws.logits.pointer, rows: rows, vocabulary: targetVocabularySize,
        ld: targetVocabularySize, targets: $0.baseAddress!, padding: SpecialToken.pad,
        scale: 1 / Float(tokens))
    }
    if computeGradients { backward(ws) }
    return (lossSum, tokens)
  }

  /// Backward of the whole pass, from the logits' gradient: output layer, decoder, encoder.
  func backward(_ ws: Workspace) {
    let rows = ws.decoderSteps * ws.batch
    let w = outputInputSize, v = targetVocabularySize
    // ∂L/∂t (Bahdanau) or ∂L/∂h̃ (Luong), every row.
    output.backward(
      parameters, rows: rows, x: ws.outputInput.pointer, ldx: w, dy: ws.logits.pointer, ldy: v,
      dx: ws.dOutputInput.pointer, lddx: w)
    decoder.backward(ws)
    encodeBackward(ws)
  }
}
