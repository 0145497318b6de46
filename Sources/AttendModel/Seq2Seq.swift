import AttendData
import AttendKernels

// Shapes: B batch, S source length, T decoder steps, E embedding, H hidden, C context (2H
// bidirectional, H otherwise), A attention, V target vocabulary, L decoder layers, gW = 3H + Aq
// (Aq: width of the attention's projected query, 0 for dot/general). Sequences are time-major:
// row t * B + b.
//
// Decoder rows. Z [T*B, E + C + H] holds, per (step i, sentence b), [e_i | c_i | s_i]: the
// embedding of the step's input word, the step's context and the top decoder layer's output. In
// Bahdanau's order the GRU reads the first E + C columns and the readout all of them; in Luong's
// order W_c reads [c_t | h_t]. G [(T+1)*B, gW] block k = [W_hh; W_a; W_p] state_k + [b_hh; 0] for
// the top layer's state_k (block 0: s_0; block k: the output of step k − 1): the top layer's
// recurrent projection and the attention's projected query in one matrix product.

/// A GRU encoder–decoder with attention, forward and backward by hand.
///
///     encoder:   h̄ = Encoder(x)                         (N layers, one or two directions)
///     init:      s_0 = tanh(W_b h_final + b_b) | h_final | tanh(W_b mean_j h̄_j + b_b) | 0
///     Bahdanau:  c_i = attention(s_{i-1}, h̄);  s_i = GRUs([E y_{i-1}; c_i], s_{i-1})
///                t_i = tanh(W_r [E y_{i-1}; c_i; s_i] + b_r);  p(y_i) = softmax(W_o t_i + b_o)
///     Luong:     h_t = GRUs([E y_{t-1}; h̃_{t-1}], h_{t-1})     (h̃_{t-1} only with input feeding)
///                c_t = attention(h_t, h̄);  h̃_t = tanh(W_c [c_t; h_t]);  p(y_t) = softmax(W_s h̃_t + b_s)
///
/// Stacked decoder layers l ≥ 1 read dropout(sˡ⁻¹) of the same step; every layer starts from s_0.
/// The attention variants and their equations: Attention.swift and docs/attention.md.
public final class Seq2Seq {
  public let config: ModelConfig
  public let parameters: ParameterStore
  let encoder: Encoder
  let bridge: Linear?  // W_b [H, C]: decoder_init bridge and mean
  let targetEmbedding: Embedding
  let layers: [DecoderLayer]
  let attention: Attention
  let readout: Linear?  // Bahdanau: W_r [E, E + C + H]
  let attentional: Linear?  // Luong: W_c [H, C + H], no bias
  let output: Linear  // [V, E] (Bahdanau) or [V, H] (Luong); the target embedding when tied

  var e: Int { config.embeddingSize }
  var h: Int { config.hiddenSize }
  var c: Int { config.contextSize }
  var zWidth: Int { e + c + h }
  var gWidth: Int { 3 * h + attention.projectedQuerySize }
  var luong: Bool { config.decoder == .luong }
  var feeding: Bool { luong && config.inputFeeding }
  var top: Int { layers.count - 1 }
  /// Width of the output layer's input: the readout t_i (E) or h̃_t (H).
  var outputInputSize: Int { luong ? h : e }
  public var targetVocabularySize: Int { config.targetVocabularySize }

  /// Declares every parameter and initialises them from `seed`. The config must be valid
  /// (`config.problems()` empty: the config loader and checkpoint reader check it).
  public init(config: ModelConfig, seed: UInt64) {
    precondition(config.sourceVocabularySize > 4 && config.targetVocabularySize > 4)
    let problems = config.problems()
    precondition(problems.isEmpty, "invalid model config: \(problems.map(\.description).joined(separator: "; "))")
    self.config = config
    let store = ParameterStore()
    let (e, h, a, c) = (config.embeddingSize, config.hiddenSize, config.attentionSize, config.contextSize)
    let luong = config.decoder == .luong
    encoder = Encoder(
      store, vocabulary: config.sourceVocabularySize, embedding: e, hidden: h, layers: config.encoderLayers,
      bidirectional: config.bidirectional)
    bridge =
      config.decoderInit == .bridge || config.decoderInit == .mean ? Linear(store, "bridge", input: c, output: h) : nil
    targetEmbedding = Embedding(store, "decoder.embedding", vocabulary: config.targetVocabularySize, size: e)
    var layers: [DecoderLayer] = []
    var attention: Attention?
    for l in 0..<config.decoderLayers {
      let name = DecoderLayer.name(layer: l)
      let input = l > 0 ? h : e + (luong ? (config.inputFeeding ? h : 0) : c)
      let weightIH = store.declare("\(name).weight_ih", [3 * h, input])
      let weightHH = store.declare("\(name).weight_hh", [3 * h, h])
      if l == config.decoderLayers - 1 {
        // The attention's query-side weights follow the top layer's W_hh: one [gW, H] matrix.
        attention = Attention(
          store, "attention", kind: config.attention, normalizer: config.attentionNormalizer,
          window: config.attentionWindow, heads: config.attentionHeads, halfWidth: config.windowHalfWidth,
          query: h, context: c, attention: a)
      }
      let biasIH = store.declare("\(name).bias_ih", [3 * h])
      let biasHH = store.declare("\(name).bias_hh", [3 * h])
      layers.append(
        DecoderLayer(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, inputSize: input))
    }
    self.layers = layers
    self.attention = attention!
    readout = luong ? nil : Linear(store, "decoder.readout", input: e + c + h, output: e)
    attentional = luong ? Linear(store, "decoder.attentional", input: c + h, output: h, bias: false) : nil
    output =
      config.tieEmbeddings
      ? Linear(store, "decoder.output", sharing: targetEmbedding.table)
      : Linear(store, "decoder.output", input: luong ? h : e, output: config.targetVocabularySize)
    store.seal()
    var fused = layers[layers.count - 1].weightHH
    for id in self.attention.queryWeights {
      precondition(store.areAdjacent(fused, id))
      fused = id
    }
    parameters = store

    // Initial values, in an order that keeps the original Bahdanau model's values for a seed.
    var rng = RandomGenerator(seed: seed)
    let range = Float(config.initRange)
    for table in [encoder.embedding.table, targetEmbedding.table] {
      Initialization.uniform(store.value(table), count: store[table].count, bound: range, rng: &rng)
    }
    encoder.initialize(store, input: config.weightInit, recurrent: config.recurrentInit, range: range, rng: &rng)
    for layer in [bridge, readout, attentional, config.tieEmbeddings ? nil : output].compactMap({ $0 }) {
      Initialization.fill(
        store.value(layer.weight), rows: layer.outputSize, columns: layer.inputSize, scheme: config.weightInit,
        range: range, rng: &rng)
    }
    self.attention.initialize(store, scheme: config.weightInit, range: range, rng: &rng)
    for layer in layers {
      Initialization.fill(
        store.value(layer.weightIH), rows: 3 * h, columns: layer.inputSize, blocks: 3, scheme: config.weightInit,
        range: range, rng: &rng)
      Initialization.fill(
        store.value(layer.weightHH), rows: 3 * h, columns: h, blocks: 3, scheme: config.recurrentInit,
        range: range, rng: &rng)
    }
    self.attention.initializeQuerySide(store, scheme: config.weightInit, range: range, rng: &rng)
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

  // MARK: Encoder

  /// Encodes B sources: fills the encoder states, the attention keys (and values) and s_0.
  public func encode(_ ws: Workspace) {
    let (b, s) = (ws.batch, ws.sourceLength)
    ws.sourceTokens.withUnsafeBufferPointer {
      encoder.forward(parameters, ws.encoder, tokens: $0, steps: s, batch: b, dropout: dropoutActive(ws))
    }
    let states = ws.encoder.top.states.pointer
    switch config.decoderInit {
    case .bridge, .last:
      encoder.finalStates(ws.encoder, steps: s, batch: b, into: ws.bridgeInput.pointer)
    case .mean:
      // mean_b = (1 / len_b) Σ_{j < len_b} h̄_{j,b}
      ws.bridgeInput.zero()
      for bi in 0..<b {
        let len = Int(ws.sourceLengths[bi])
        let dst = ws.bridgeInput.pointer + bi * c
        for j in 0..<len { VectorMath.axpy(1 / Float(len), states + (j * b + bi) * c, dst, count: c) }
      }
    case .zero: break
    }
    switch config.decoderInit {
    case .bridge, .mean:
      bridge!.forward(parameters, rows: b, x: ws.bridgeInput.pointer, ldx: c, y: ws.initialState.pointer, ldy: h)
      VectorMath.tanh(ws.initialState.pointer, ws.initialState.pointer, count: b * h)
    case .last: ws.initialState.pointer.update(from: ws.bridgeInput.pointer, count: b * h)
    case .zero: ws.initialState.zero()
    }
    for l in 0..<top { ws.layers[l].states.pointer.update(from: ws.initialState.pointer, count: b * h) }
    attention.projectKeys(parameters, ws.attention, rows: s * b, encoder: states)
  }

  /// ∂L/∂s_0 (in ws.dInitial) back through the decoder init, then the whole encoder.
  func encodeBackward(_ ws: Workspace) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let dInitial = ws.dInitial.pointer
    var final = false
    switch config.decoderInit {
    case .bridge, .mean:
      // s_0 = tanh(W_b x + b_b)
      for i in 0..<(b * h) {
        let s0 = ws.initialState.pointer[i]
        dInitial[i] *= 1 - s0 * s0
      }
      bridge!.backward(
        parameters, rows: b, x: ws.bridgeInput.pointer, ldx: c, dy: dInitial, ldy: h, dx: ws.dBridgeInput.pointer,
        lddx: c)
      if config.decoderInit == .bridge {
        splitFinal(ws, ws.dBridgeInput.pointer)
        final = true
      } else {
        let dStates = ws.encoder.top.dStates.pointer
        for bi in 0..<b {
          let len = Int(ws.sourceLengths[bi])
          let src = ws.dBridgeInput.pointer + bi * c
          for j in 0..<len { VectorMath.axpy(1 / Float(len), src, dStates + (j * b + bi) * c, count: c) }
        }
      }
    case .last:
      splitFinal(ws, dInitial)
      final = true
    case .zero: break
    }
    ws.sourceTokens.withUnsafeBufferPointer {
      encoder.backward(parameters, ws.encoder, tokens: $0, steps: s, batch: b, dropout: dropoutActive(ws), final: final)
    }
  }

  /// ∂L/∂(final states) [B, C] into the encoder's per-direction buffers.
  func splitFinal(_ ws: Workspace, _ dFinal: UnsafePointer<Float>) {
    for bi in 0..<ws.batch {
      (ws.encoder.dFinalForward.pointer + bi * h).update(from: dFinal + bi * c, count: h)
      if encoder.bidirectional {
        (ws.encoder.dFinalBackward.pointer + bi * h).update(from: dFinal + bi * c + h, count: h)
      }
    }
  }

  // MARK: Decoder

  /// Looks up the embeddings of `count` consecutive decoder rows starting at `row` (dropout in
  /// training) and adds their part of layer 0's input projection (plus b_ih) into GI⁰.
  public func embedDecoderInputs(_ ws: Workspace, row: Int, count: Int) {
    ws.decoderInputs.withUnsafeBufferPointer {
      targetEmbedding.forward(
        parameters, ids: UnsafeBufferPointer(rebasing: $0[row..<(row + count)]),
        out: ws.z.pointer + ws.blockRow(row) * zWidth, ldo: zWidth)
    }
    if dropoutActive(ws) {
      Dropout.apply(
        ws.embeddingDropout.pointer + row * e, to: ws.z.pointer + row * zWidth, rows: count, width: e, ldx: zWidth)
    }
    let layer = layers[0]
    let gi = ws.layers[0].gi.pointer + ws.blockRow(row) * 3 * h
    let bias = parameters.value(layer.biasIH)
    for r in 0..<count { (gi + r * 3 * h).update(from: bias, count: 3 * h) }
    BLAS.gemm(
      transB: true, m: count, n: 3 * h, k: e, a: ws.z.pointer + ws.blockRow(row) * zWidth, lda: zWidth,
      b: parameters.value(layer.weightIH), ldb: layer.inputSize, beta: 1, c: gi, ldc: 3 * h)
  }

  /// State block k of decoder layer l (block 0: s_0; block k: the output of step k − 1) and its
  /// row stride. The top layer's outputs are Z's s column.
  @inline(__always)
  func state(_ ws: Workspace, layer l: Int, block k: Int) -> (UnsafeMutablePointer<Float>, Int) {
    if l < top { return (ws.layers[l].states.pointer + ws.block(k) * ws.batch * h, h) }
    return k == 0
      ? (ws.initialState.pointer, h) : (ws.z.pointer + ws.block(k - 1) * ws.batch * zWidth + e + c, zWidth)
  }

  /// G block k = [W_hh; W_a; W_p] state_k + [b_hh; 0] for the top layer.
  func projectTopState(_ ws: Workspace, block k: Int) {
    let b = ws.batch
    let (state, ld) = state(ws, layer: top, block: k)
    let g = ws.g.pointer + ws.block(k) * b * gWidth
    let bias = parameters.value(layers[top].biasHH)
    for r in 0..<b {
      (g + r * gWidth).update(from: bias, count: 3 * h)
      (g + r * gWidth + 3 * h).update(repeating: 0, count: gWidth - 3 * h)
    }
    BLAS.gemm(
      transB: true, m: b, n: gWidth, k: h, a: state, lda: ld, b: parameters.value(layers[top].weightHH), ldb: h,
      beta: 1, c: g, ldc: gWidth)
  }

  /// Attention of step i on the top layer's state block k (Bahdanau: k = i, Luong: k = i + 1);
  /// the context goes to Z's c column.
  func attend(_ ws: Workspace, step i: Int, queryBlock k: Int) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let (query, ldq) = state(ws, layer: top, block: k)
    ws.sourceLengths.withUnsafeBufferPointer { lengths in
      attention.forward(
        parameters, ws.attention, step: i, batch: b, steps: s, lengths: lengths.baseAddress!, query: query,
        ldq: ldq, projected: ws.g.pointer + ws.block(k) * b * gWidth + 3 * h, ldp: gWidth,
        encoder: ws.encoder.top.states.pointer, context: ws.z.pointer + ws.block(i) * b * zWidth + e, ldc: zWidth,
        report: ws.attentionWeights.pointer + i * b * s, mode: ws.attentionMode)
    }
  }

  /// Decoder step i. Needs row block i of Z's embedding columns and of GI⁰ filled
  /// (`embedDecoderInputs`); fills Z's c and s columns, the attention weights and, in Luong's
  /// order with input feeding, h̃_i.
  public func decoderStep(_ ws: Workspace, step i: Int) {
    let b = ws.batch
    let gi0 = ws.layers[0].gi.pointer + ws.block(i) * b * 3 * h
    let weightIH0 = parameters.value(layers[0].weightIH)
    if luong {
      if i == 0 { projectTopState(ws, block: 0) }
      if feeding && i > 0 {
        // GI⁰ += W_ih⁰[:, E:] h̃_{i-1}
        BLAS.gemm(
          transB: true, m: b, n: 3 * h, k: h, a: ws.outputInput.pointer + ws.block(i - 1) * b * h, lda: h,
          b: weightIH0 + e, ldb: layers[0].inputSize, beta: 1, c: gi0, ldc: 3 * h)
      }
      runLayers(ws, step: i)
      projectTopState(ws, block: i + 1)
      attend(ws, step: i, queryBlock: i + 1)
      if feeding { attentionalRows(ws, row: i * b, count: b) }
    } else {
      projectTopState(ws, block: i)
      attend(ws, step: i, queryBlock: i)
      // GI⁰ += W_ih⁰[:, E:] c_i
      BLAS.gemm(
        transB: true, m: b, n: 3 * h, k: c, a: ws.z.pointer + ws.block(i) * b * zWidth + e, lda: zWidth,
        b: weightIH0 + e, ldb: e + c, beta: 1, c: gi0, ldc: 3 * h)
      runLayers(ws, step: i)
    }
  }

  /// The GRU layers of step i, bottom to top (layer l ≥ 1 reads dropout(s^{l-1}_i)); the top
  /// layer's recurrent projection is G block i.
  func runLayers(_ ws: Workspace, step i: Int) {
    let b = ws.batch
    let dropout = dropoutActive(ws)
    for l in 0...top {
      let layer = layers[l], act = ws.layers[l]
      let gi = act.gi.pointer + ws.block(i) * b * 3 * h
      if l > 0 {
        var (x, ldx) = state(ws, layer: l - 1, block: i + 1)
        if dropout {
          let dropped = act.input.pointer + i * b * h
          Dropout.apply(act.dropout.pointer + i * b * h, from: x, ldx: ldx, to: dropped, rows: b, width: h)
          (x, ldx) = (dropped, h)
        }
        let bias = parameters.value(layer.biasIH)
        for r in 0..<b { (gi + r * 3 * h).update(from: bias, count: 3 * h) }
        BLAS.gemm(
          transB: true, m: b, n: 3 * h, k: h, a: x, lda: ldx, b: parameters.value(layer.weightIH), ldb: h, beta: 1,
          c: gi, ldc: 3 * h)
      }
      let (previous, ldPrevious) = state(ws, layer: l, block: i)
      var (gh, ldgh) = (ws.g.pointer + ws.block(i) * b * gWidth, gWidth)
      if l < top {
        (gh, ldgh) = (act.gh.pointer + ws.block(i) * b * 3 * h, 3 * h)
        let bias = parameters.value(layer.biasHH)
        for r in 0..<b { (gh + r * 3 * h).update(from: bias, count: 3 * h) }
        BLAS.gemm(
          transB: true, m: b, n: 3 * h, k: h, a: previous, lda: ldPrevious, b: parameters.value(layer.weightHH),
          ldb: h, beta: 1, c: gh, ldc: 3 * h)
      }
      let (out, ldOut) = state(ws, layer: l, block: i + 1)
      GRUCell.forward(
        batch: b, hidden: h, gi: gi, ldgi: 3 * h, gh: gh, ldgh: ldgh, hPrev: previous, ldhPrev: ldPrevious,
        mask: nil, hOut: out, ldhOut: ldOut, gates: act.gates.pointer + ws.block(i) * b * 3 * h)
    }
  }

  /// Luong: h̃ = tanh(W_c [c; h]) for `count` rows from `row`.
  func attentionalRows(_ ws: Workspace, row: Int, count: Int) {
    let y = ws.outputInput.pointer + ws.blockRow(row) * h
    attentional!.forward(
      parameters, rows: count, x: ws.z.pointer + ws.blockRow(row) * zWidth + e, ldx: zWidth, y: y, ldy: h)
    VectorMath.tanh(y, y, count: count * h)
  }

  /// Readout (Bahdanau) or h̃ (Luong without input feeding; with it, `decoderStep` made h̃) and
  /// the output layer for `count` decoder rows from `row`: logits [count, V].
  public func outputRows(_ ws: Workspace, row: Int, count: Int) {
    let w = outputInputSize, v = targetVocabularySize
    let t = ws.outputInput.pointer + ws.blockRow(row) * w
    if let readout {
      readout.forward(parameters, rows: count, x: ws.z.pointer + ws.blockRow(row) * zWidth, ldx: zWidth, y: t, ldy: e)
      VectorMath.tanh(t, t, count: count * e)
    } else if !feeding {
      attentionalRows(ws, row: row, count: count)
    }
    output.forward(parameters, rows: count, x: t, ldx: w, y: ws.logits.pointer + ws.blockRow(row) * v, ldy: v)
  }

  /// Beam search: after step i, row r of the recurrent state that step i + 1 reads becomes a copy
  /// of row `sourceRows[r]` (B entries, each a row of the same sentence), so each surviving
  /// hypothesis continues from its parent's state: every layer's state and, in Luong's order, the
  /// top layer's projection for the next step and h̃_i. Does not allocate.
  public func reorderDecoderState(_ ws: Workspace, step i: Int, sourceRows: UnsafeBufferPointer<Int32>) {
    precondition(sourceRows.count == ws.batch && i + 1 < ws.decoderSteps)
    let b = ws.batch
    let scratch = ws.reorderScratch.pointer
    func permute(_ base: UnsafeMutablePointer<Float>, ld: Int, width: Int) {
      for r in 0..<b { (scratch + r * width).update(from: base + Int(sourceRows[r]) * ld, count: width) }
      for r in 0..<b { (base + r * ld).update(from: scratch + r * width, count: width) }
    }
    for l in 0...top {
      let (state, ld) = state(ws, layer: l, block: i + 1)
      permute(state, ld: ld, width: h)
    }
    if luong {
      permute(ws.g.pointer + ws.block(i + 1) * b * gWidth, ld: gWidth, width: gWidth)
      if feeding { permute(ws.outputInput.pointer + ws.block(i) * b * h, ld: h, width: h) }
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

  func backward(_ ws: Workspace) {
    let (b, s, t) = (ws.batch, ws.sourceLength, ws.decoderSteps)
    let rows = t * b
    let w = outputInputSize, v = targetVocabularySize
    // Output layer over all rows: ∂L/∂t (Bahdanau) or ∂L/∂h̃ (Luong).
    output.backward(
      parameters, rows: rows, x: ws.outputInput.pointer, ldx: w, dy: ws.logits.pointer, ldy: v,
      dx: ws.dOutputInput.pointer, lddx: w)
    // Through the tanh, except h̃ with input feeding, which also feeds the next step: per step below.
    if !feeding { tanhBackward(ws.outputInput.pointer, ws.dOutputInput.pointer, count: rows * w) }
    if let readout {
      readout.backward(
        parameters, rows: rows, x: ws.z.pointer, ldx: zWidth, dy: ws.dOutputInput.pointer, ldy: e,
        dx: ws.dZ.pointer, lddx: zWidth)
    } else if !feeding {
      // h̃ = tanh(W_c [c; h]) over all rows: ∂L/∂[c; h] (W_c's own gradient after the loop).
      BLAS.gemm(
        m: rows, n: c + h, k: h, a: ws.dOutputInput.pointer, lda: h, b: parameters.value(attentional!.weight),
        ldb: c + h, beta: 0, c: ws.dZ.pointer + e, ldc: zWidth)
    }
    // Back through the decoder steps.
    ws.encoder.top.dStates.zero()
    attention.beginBackward(ws.attention)
    for act in ws.layers { act.carry.zero() }
    if luong {
      // G block 0 carries no query (the first query is h_0), block T no recurrent projection.
      for r in 0..<b {
        (ws.dG.pointer + r * gWidth + 3 * h).update(repeating: 0, count: gWidth - 3 * h)
        (ws.dG.pointer + (t * b + r) * gWidth).update(repeating: 0, count: 3 * h)
      }
    }
    let weightIH0 = parameters.value(layers[0].weightIH)
    let gi0Width = layers[0].inputSize
    ws.sourceLengths.withUnsafeBufferPointer { lengthsBuffer in
      let lengths = lengthsBuffer.baseAddress!
      for i in stride(from: t - 1, through: 0, by: -1) {
        let dzRows = ws.dZ.pointer + i * b * zWidth
        let dgi0 = ws.layers[0].dgi.pointer + i * b * 3 * h
        if luong {
          if feeding {
            // h̃_i = tanh(W_c [c_i; h_i]), now that step i + 1 has added its input-feeding part.
            let dy = ws.dOutputInput.pointer + i * b * h
            tanhBackward(ws.outputInput.pointer + i * b * h, dy, count: b * h)
            BLAS.gemm(
              m: b, n: c + h, k: h, a: dy, lda: h, b: parameters.value(attentional!.weight), ldb: c + h, beta: 0,
              c: dzRows + e, ldc: zWidth)
          }
          attentionBackward(ws, step: i, queryBlock: i + 1, lengths: lengths)
          // ∂L/∂h_i beyond W_c: step i + 1's recurrence and this step's query.
          addTopCarry(ws, block: i + 1, rawQuery: true)
          layersBackward(ws, step: i)
          if feeding && i > 0 {
            // h̃_{i-1} was part of step i's input.
            BLAS.gemm(
              m: b, n: h, k: 3 * h, a: dgi0, lda: 3 * h, b: weightIH0 + e, ldb: gi0Width, beta: 1,
              c: ws.dOutputInput.pointer + (i - 1) * b * h, ldc: h)
          }
        } else {
          layersBackward(ws, step: i)
          // ∂L/∂c_i: from the readout (already in dZ) plus through the GRU input.
          BLAS.gemm(
            m: b, n: c, k: 3 * h, a: dgi0, lda: 3 * h, b: weightIH0 + e, ldb: e + c, beta: 1, c: dzRows + e,
            ldc: zWidth)
          attentionBackward(ws, step: i, queryBlock: i, lengths: lengths)
          addTopCarry(ws, block: i, rawQuery: true)
        }
      }
    }
    if luong { addTopCarry(ws, block: 0, rawQuery: false) }

    // Recurrent weights over all steps at once. The top layer's [W_hh; W_a; W_p] sees its state
    // blocks 0..<T (Luong: 0...T, block T carrying step T − 1's query).
    let blocks = luong ? t + 1 : t
    let topLayer = layers[top]
    let dFused = parameters.gradient(topLayer.weightHH)  // [gW, H]: W_hh's, then W_a's and W_p's
    BLAS.gemm(
      transA: true, m: gWidth, n: h, k: b, a: ws.dG.pointer, lda: gWidth, b: ws.initialState.pointer, ldb: h,
      beta: 1, c: dFused, ldc: h)
    if blocks > 1 {
      BLAS.gemm(
        transA: true, m: gWidth, n: h, k: (blocks - 1) * b, a: ws.dG.pointer + b * gWidth, lda: gWidth,
        b: ws.z.pointer + e + c, ldb: zWidth, beta: 1, c: dFused, ldc: h)
    }
    addColumnSums(ws.dG.pointer, rows: rows, columns: 3 * h, ld: gWidth, into: parameters.gradient(topLayer.biasHH))
    for l in 0..<top {
      let act = ws.layers[l]
      BLAS.gemm(
        transA: true, m: 3 * h, n: h, k: rows, a: act.dgh.pointer, lda: 3 * h, b: act.states.pointer, ldb: h,
        beta: 1, c: parameters.gradient(layers[l].weightHH), ldc: h)
      addColumnSums(act.dgh.pointer, rows: rows, columns: 3 * h, ld: 3 * h, into: parameters.gradient(layers[l].biasHH))
    }
    // Input weights.
    let dropout = dropoutActive(ws)
    for l in 0...top {
      let act = ws.layers[l], dWeightIH = parameters.gradient(layers[l].weightIH)
      if l > 0 {
        let (x, ldx) = dropout ? (act.input.pointer, h) : state(ws, layer: l - 1, block: 1)
        BLAS.gemm(
          transA: true, m: 3 * h, n: h, k: rows, a: act.dgi.pointer, lda: 3 * h, b: x, ldb: ldx, beta: 1,
          c: dWeightIH, ldc: h)
      } else if luong {
        BLAS.gemm(
          transA: true, m: 3 * h, n: e, k: rows, a: act.dgi.pointer, lda: 3 * h, b: ws.z.pointer, ldb: zWidth,
          beta: 1, c: dWeightIH, ldc: gi0Width)
        if feeding && t > 1 {
          BLAS.gemm(
            transA: true, m: 3 * h, n: h, k: (t - 1) * b, a: act.dgi.pointer + b * 3 * h, lda: 3 * h,
            b: ws.outputInput.pointer, ldb: h, beta: 1, c: dWeightIH + e, ldc: gi0Width)
        }
      } else {
        BLAS.gemm(
          transA: true, m: 3 * h, n: e + c, k: rows, a: act.dgi.pointer, lda: 3 * h, b: ws.z.pointer, ldb: zWidth,
          beta: 1, c: dWeightIH, ldc: e + c)
      }
      addColumnSums(act.dgi.pointer, rows: rows, columns: 3 * h, ld: 3 * h, into: parameters.gradient(layers[l].biasIH))
    }
    if let attentional {
      // dW_c += ∂L/∂(W_c [c; h])ᵀ [c; h], all rows.
      BLAS.gemm(
        transA: true, m: h, n: c + h, k: rows, a: ws.dOutputInput.pointer, lda: h, b: ws.z.pointer + e,
        ldb: zWidth, beta: 1, c: parameters.gradient(attentional.weight), ldc: c + h)
    }
    // ∂L/∂(E y_{i-1}) = readout part (Bahdanau) + GRU input part, then into the embedding table.
    BLAS.gemm(
      m: rows, n: e, k: 3 * h, a: ws.layers[0].dgi.pointer, lda: 3 * h, b: weightIH0, ldb: gi0Width,
      beta: luong ? 0 : 1, c: ws.dZ.pointer, ldc: zWidth)
    if dropout { Dropout.apply(ws.embeddingDropout.pointer, to: ws.dZ.pointer, rows: rows, width: e, ldx: zWidth) }
    ws.decoderInputs.withUnsafeBufferPointer {
      targetEmbedding.backward(parameters, ids: $0, dOut: ws.dZ.pointer, ldo: zWidth)
    }
    attention.finishBackward(
      parameters, ws.attention, encoderRows: s * b, encoder: ws.encoder.top.states.pointer,
      dEncoder: ws.encoder.top.dStates.pointer, decoderRows: rows, dContexts: ws.dZ.pointer + e, lddc: zWidth)
    // ∂L/∂s_0: every decoder layer started from it.
    ws.dInitial.pointer.update(from: ws.layers[top].carry.pointer, count: b * h)
    for l in 0..<top { VectorMath.axpy(1, ws.layers[l].carry.pointer, ws.dInitial.pointer, count: b * h) }
    encodeBackward(ws)
  }

  /// One step's attention backward: ∂L/∂c_i from Z's c column; the projected query's gradient
  /// goes to G block k, the raw query's to ws.dQuery.
  func attentionBackward(_ ws: Workspace, step i: Int, queryBlock k: Int, lengths: UnsafePointer<Int32>) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let (query, ldq) = state(ws, layer: top, block: k)
    attention.backward(
      parameters, ws.attention, step: i, batch: b, steps: s, lengths: lengths, query: query, ldq: ldq,
      projected: ws.g.pointer + k * b * gWidth + 3 * h, ldp: gWidth, encoder: ws.encoder.top.states.pointer,
      dContext: ws.dZ.pointer + i * b * zWidth + e, lddc: zWidth, dQuery: ws.dQuery.pointer, lddq: h,
      dProjected: ws.dG.pointer + k * b * gWidth + 3 * h, lddp: gWidth, dEncoder: ws.encoder.top.dStates.pointer,
      temperature: ws.attentionMode.temperature)
  }

  /// The top layer's carry += dG_k [W_hh; W_a; W_p] (its state block k fed G block k), plus the
  /// raw query's gradient when block k was also a dot/general query.
  func addTopCarry(_ ws: Workspace, block k: Int, rawQuery: Bool) {
    let b = ws.batch
    let carry = ws.layers[top].carry.pointer
    BLAS.gemm(
      m: b, n: h, k: gWidth, a: ws.dG.pointer + k * b * gWidth, lda: gWidth,
      b: parameters.value(layers[top].weightHH), ldb: h, beta: 1, c: carry, ldc: h)
    if rawQuery && !attention.kind.isAdditive { VectorMath.axpy(1, ws.dQuery.pointer, carry, count: b * h) }
  }

  /// Every layer's GRU cell backward at step i, top to bottom. The top layer's output gradient is
  /// Z's s column plus its carry; a lower layer's is what the layer above sent plus its carry.
  func layersBackward(_ ws: Workspace, step i: Int) {
    let b = ws.batch
    let dropout = dropoutActive(ws)
    for l in stride(from: top, through: 0, by: -1) {
      let layer = layers[l], act = ws.layers[l]
      let (from, ldFrom) = l == top ? (ws.dZ.pointer + i * b * zWidth + e + c, zWidth) : (act.dFromAbove.pointer, h)
      for r in 0..<b {
        let dst = act.dState.pointer + r * h, src = from + r * ldFrom, carry = act.carry.pointer + r * h
        for j in 0..<h { dst[j] = src[j] + carry[j] }
      }
      let (previous, ldPrevious) = state(ws, layer: l, block: i)
      let (gh, ldgh) = l == top ? (ws.g.pointer + i * b * gWidth, gWidth) : (act.gh.pointer + i * b * 3 * h, 3 * h)
      let dgh = l == top ? ws.dG.pointer + i * b * gWidth : act.dgh.pointer + i * b * 3 * h
      let dgi = act.dgi.pointer + i * b * 3 * h
      GRUCell.backward(
        batch: b, hidden: h, dh: act.dState.pointer, lddh: h, hPrev: previous, ldhPrev: ldPrevious,
        gates: act.gates.pointer + i * b * 3 * h, gh: gh, ldgh: ldgh, mask: nil, dgi: dgi, lddgi: 3 * h,
        dgh: dgh, lddgh: ldgh, dhPrev: act.carry.pointer, lddhPrev: h)
      if l < top {
        BLAS.gemm(
          m: b, n: h, k: 3 * h, a: dgh, lda: 3 * h, b: parameters.value(layer.weightHH), ldb: h, beta: 1,
          c: act.carry.pointer, ldc: h)
      }
      if l > 0 {
        // ∂L/∂ the input from layer l − 1, back through its dropout mask.
        let below = ws.layers[l - 1].dFromAbove.pointer
        BLAS.gemm(
          m: b, n: h, k: 3 * h, a: dgi, lda: 3 * h, b: parameters.value(layer.weightIH), ldb: h, beta: 0,
          c: below, ldc: h)
        if dropout { Dropout.apply(act.dropout.pointer + i * b * h, to: below, rows: b, width: h, ldx: h) }
      }
    }
  }

  /// d ⊙= 1 − y² (y = tanh of something): the backward of tanh, in place.
  func tanhBackward(_ y: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i < count {
      let w = min(16, count - i)
      let yv = VectorMath.load(y + i, count: w)
      VectorMath.store(VectorMath.load(d + i, count: w) * (1 - yv * yv), d + i, count: w)
      i += 16
    }
  }

}

