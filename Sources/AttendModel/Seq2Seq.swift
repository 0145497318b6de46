import AttendData
import AttendKernels

// Shapes: B batch, S source length, T target steps, E embedding, H hidden, C context
// (2H bidirectional, H otherwise), A attention, V target vocabulary. Sequences are time-major:
// row t * B + b. The decoder keeps one row per (step, sentence) of Z = [e_{i-1} | c_i | s_i]
// (width E + C + H): the GRU reads its first E + C columns, the readout reads all of it.

/// A GRU encoder–decoder with Bahdanau attention, forward and backward by hand.
///
///     encoder:  h_j = [GRU→(x_j); GRU←(x_j)]                 (masked past each length)
///     bridge:   s_0 = tanh(W_b [h→_last; h←_first] + b_b)
///     decoder:  c_i = attention(s_{i-1}, h);  s_i = GRU([E y_{i-1}; c_i], s_{i-1})
///     output:   t_i = tanh(W_r [E y_{i-1}; c_i; s_i] + b_r);  p(y_i) = softmax(W_o t_i + b_o)
public final class Seq2Seq {
  public let config: ModelConfig
  public let parameters: ParameterStore

  let sourceEmbedding: Embedding
  let encoderForward: GRU
  let encoderBackward: GRU?
  let bridge: Linear
  let attention: BahdanauAttention
  let targetEmbedding: Embedding
  let decoderWeightIH: ParameterID  // [3H, E + C]
  let decoderWeightHH: ParameterID  // [3H, H], followed in memory by W_a [A, H]
  let queryWeight: ParameterID  // W_a [A, H]
  let decoderBiasIH: ParameterID  // [3H]
  let decoderBiasHH: ParameterID  // [3H]
  let readout: Linear  // [E, E + C + H]
  let output: Linear  // [V, E]

  var e: Int { config.embeddingSize }
  var h: Int { config.hiddenSize }
  var c: Int { config.contextSize }
  var a: Int { config.attentionSize }
  var zWidth: Int { e + c + h }
  var gWidth: Int { 3 * h + a }
  public var targetVocabularySize: Int { config.targetVocabularySize }

  /// Declares every parameter and initialises them from `seed`.
  public init(config: ModelConfig, seed: UInt64) {
    precondition(config.sourceVocabularySize > 4 && config.targetVocabularySize > 4)
    self.config = config
    let store = ParameterStore()
    let (e, h, a, c) = (config.embeddingSize, config.hiddenSize, config.attentionSize, config.contextSize)
    sourceEmbedding = Embedding(store, "encoder.embedding", vocabulary: config.sourceVocabularySize, size: e)
    encoderForward = GRU(store, "encoder.rnn", suffix: "_l0", input: e, hidden: h, reverse: false)
    encoderBackward =
      config.bidirectional
      ? GRU(store, "encoder.rnn", suffix: "_l0_reverse", input: e, hidden: h, reverse: true) : nil
    bridge = Linear(store, "bridge", input: c, output: h)
    attention = BahdanauAttention(store, "attention", context: c, attention: a)
    targetEmbedding = Embedding(store, "decoder.embedding", vocabulary: config.targetVocabularySize, size: e)
    decoderWeightIH = store.declare("decoder.rnn.weight_ih", [3 * h, e + c])
    decoderWeightHH = store.declare("decoder.rnn.weight_hh", [3 * h, h])
    queryWeight = store.declare("attention.query.weight", [a, h])
    decoderBiasIH = store.declare("decoder.rnn.bias_ih", [3 * h])
    decoderBiasHH = store.declare("decoder.rnn.bias_hh", [3 * h])
    readout = Linear(store, "decoder.readout", input: e + c + h, output: e)
    output = Linear(store, "decoder.output", input: e, output: config.targetVocabularySize)
    store.seal()
    precondition(store.areAdjacent(decoderWeightHH, queryWeight))
    parameters = store

    var rng = RandomGenerator(seed: seed)
    for id in [sourceEmbedding.table, targetEmbedding.table] {
      Initialization.uniform(store.value(id), count: store[id].count, bound: 0.1, rng: &rng)
    }
    encoderForward.initialize(store, rng: &rng)
    encoderBackward?.initialize(store, rng: &rng)
    for layer in [bridge, readout, output] {
      Initialization.xavier(
        store.value(layer.weight), rows: layer.outputSize, columns: layer.inputSize, rng: &rng)
    }
    attention.initialize(store, rng: &rng)
    Initialization.xavier(store.value(decoderWeightIH), rows: 3 * h, columns: e + c, blocks: 3, rng: &rng)
    Initialization.xavier(store.value(decoderWeightHH), rows: 3 * h, columns: h, blocks: 3, rng: &rng)
    Initialization.xavier(store.value(queryWeight), rows: a, columns: h, rng: &rng)
  }

  // MARK: Encoder

  /// Encodes B sources: fills the encoder states, the attention keys and s_0.
  public func encode(_ ws: Workspace) {
    let (b, s) = (ws.batch, ws.sourceLength)
    ws.sourceTokens.withUnsafeBufferPointer {
      sourceEmbedding.forward(parameters, ids: $0, out: ws.sourceEmbedded.pointer, ldo: e)
    }
    encoderForward.forward(
      parameters, x: ws.sourceEmbedded.pointer, ldx: e, steps: s, batch: b,
      masks: ws.sourceMask.pointer, act: ws.encoderForward)
    encoderBackward?.forward(
      parameters, x: ws.sourceEmbedded.pointer, ldx: e, steps: s, batch: b,
      masks: ws.sourceMask.pointer, act: ws.encoderBackward)
    // Encoder states in time order, directions side by side: [S*B, C].
    for t in 0..<s {
      let fwd = ws.encoderForward.states.pointer + encoderForward.stateBlock(time: t, length: s) * b * h
      for bi in 0..<b {
        (ws.encoderStates.pointer + (t * b + bi) * c).update(from: fwd + bi * h, count: h)
      }
      if let encoderBackward {
        let bwd = ws.encoderBackward.states.pointer + encoderBackward.stateBlock(time: t, length: s) * b * h
        for bi in 0..<b {
          (ws.encoderStates.pointer + (t * b + bi) * c + h).update(from: bwd + bi * h, count: h)
        }
      }
    }
    // Final states: the last block of each direction (masking carried each sentence's own).
    for bi in 0..<b {
      let dst = ws.finalStates.pointer + bi * c
      dst.update(from: ws.encoderForward.states.pointer + (s * b + bi) * h, count: h)
      if encoderBackward != nil {
        (dst + h).update(from: ws.encoderBackward.states.pointer + (s * b + bi) * h, count: h)
      }
    }
    bridge.forward(parameters, rows: b, x: ws.finalStates.pointer, ldx: c, y: ws.initialState.pointer, ldy: h)
    VectorMath.tanh(ws.initialState.pointer, ws.initialState.pointer, count: b * h)
    attention.projectKeys(parameters, rows: s * b, encoder: ws.encoderStates.pointer, keys: ws.keys.pointer)
  }

  func encodeBackward(_ ws: Workspace) {
    let (b, s) = (ws.batch, ws.sourceLength)
    attention.projectKeysBackward(
      parameters, rows: s * b, encoder: ws.encoderStates.pointer, dKeys: ws.dKeys.pointer,
      dEncoder: ws.dEncoderStates.pointer)
    // s_0 = tanh(bridge(final)) ; ws.dCarry holds ∂L/∂s_0.
    for i in 0..<(b * h) {
      let s0 = ws.initialState.pointer[i]
      ws.dCarry.pointer[i] *= 1 - s0 * s0
    }
    bridge.backward(
      parameters, rows: b, x: ws.finalStates.pointer, ldx: c, dy: ws.dCarry.pointer, ldy: h,
      dx: ws.dFinalStates.pointer, lddx: c)
    for bi in 0..<b {
      (ws.dFinalForward.pointer + bi * h).update(from: ws.dFinalStates.pointer + bi * c, count: h)
      if encoderBackward != nil {
        (ws.dFinalBackward.pointer + bi * h).update(from: ws.dFinalStates.pointer + bi * c + h, count: h)
      }
    }
    ws.dSourceEmbedded.zero()
    encoderForward.backward(
      parameters, x: ws.sourceEmbedded.pointer, ldx: e, steps: s, batch: b,
      masks: ws.sourceMask.pointer, act: ws.encoderForward, dOut: ws.dEncoderStates.pointer,
      lddOut: c, dFinal: ws.dFinalForward.pointer, dx: ws.dSourceEmbedded.pointer, lddx: e)
    encoderBackward?.backward(
      parameters, x: ws.sourceEmbedded.pointer, ldx: e, steps: s, batch: b,
      masks: ws.sourceMask.pointer, act: ws.encoderBackward, dOut: ws.dEncoderStates.pointer + h,
      lddOut: c, dFinal: ws.dFinalBackward.pointer, dx: ws.dSourceEmbedded.pointer, lddx: e)
    ws.sourceTokens.withUnsafeBufferPointer {
      sourceEmbedding.backward(parameters, ids: $0, dOut: ws.dSourceEmbedded.pointer, ldo: e)
    }
  }

  // MARK: Decoder

  /// Looks up the embeddings of `count` consecutive decoder rows starting at `row` and adds
  /// their part of the GRU input projection (plus b_ih) into GI.
  public func embedDecoderInputs(_ ws: Workspace, row: Int, count: Int) {
    ws.decoderInputs.withUnsafeBufferPointer {
      targetEmbedding.forward(
        parameters, ids: UnsafeBufferPointer(rebasing: $0[row..<(row + count)]),
        out: ws.z.pointer + row * zWidth, ldo: zWidth)
    }
    let gi = ws.decoderGI.pointer + row * 3 * h
    let bias = parameters.value(decoderBiasIH)
    for r in 0..<count { (gi + r * 3 * h).update(from: bias, count: 3 * h) }
    BLAS.gemm(
      transB: true, m: count, n: 3 * h, k: e, a: ws.z.pointer + row * zWidth, lda: zWidth,
      b: parameters.value(decoderWeightIH), ldb: e + c, beta: 1, c: gi, ldc: 3 * h)
  }

  /// Previous decoder state for step i: s_0, or the s column of Z's rows for step i − 1.
  @inline(__always)
  func previousState(_ ws: Workspace, step i: Int) -> (UnsafeMutablePointer<Float>, Int) {
    i == 0 ? (ws.initialState.pointer, h) : (ws.z.pointer + (i - 1) * ws.batch * zWidth + e + c, zWidth)
  }

  /// Decoder step i: attention on s_{i-1}, then the GRU. Needs row block i of Z's embedding
  /// columns and of GI filled (`embedDecoderInputs`).
  public func decoderStep(_ ws: Workspace, step i: Int) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let (prev, ldPrev) = previousState(ws, step: i)
    let g = ws.decoderG.pointer + i * b * gWidth
    let bias = parameters.value(decoderBiasHH)
    for r in 0..<b {
      (g + r * gWidth).update(from: bias, count: 3 * h)
      (g + r * gWidth + 3 * h).update(repeating: 0, count: a)
    }
    // [W_hh; W_a] s_{i-1}: the recurrent projection and the attention query in one product.
    BLAS.gemm(
      transB: true, m: b, n: gWidth, k: h, a: prev, lda: ldPrev,
      b: parameters.value(decoderWeightHH), ldb: h, beta: 1, c: g, ldc: gWidth)
    let zRows = ws.z.pointer + i * b * zWidth
    ws.sourceLengths.withUnsafeBufferPointer { lengths in
      attention.forward(
        parameters, batch: b, steps: s, lengths: lengths.baseAddress!, query: g + 3 * h, ldq: gWidth,
        keys: ws.keys.pointer, encoder: ws.encoderStates.pointer,
        pre: ws.attentionPre.pointer + i * s * b * a, weights: ws.attentionWeights.pointer + i * b * s,
        context: zRows + e, ldc: zWidth)
    }
    let gi = ws.decoderGI.pointer + i * b * 3 * h
    BLAS.gemm(
      transB: true, m: b, n: 3 * h, k: c, a: zRows + e, lda: zWidth,
      b: parameters.value(decoderWeightIH) + e, ldb: e + c, beta: 1, c: gi, ldc: 3 * h)
    GRUCell.forward(
      batch: b, hidden: h, gi: gi, ldgi: 3 * h, gh: g, ldgh: gWidth, hPrev: prev, ldhPrev: ldPrev,
      mask: nil, hOut: zRows + e + c, ldhOut: zWidth, gates: ws.decoderGates.pointer + i * b * 3 * h)
  }

  /// Readout and output layer for `count` decoder rows from `row`: logits [count, V].
  public func outputRows(_ ws: Workspace, row: Int, count: Int) {
    let t = ws.readoutOut.pointer + row * e
    readout.forward(parameters, rows: count, x: ws.z.pointer + row * zWidth, ldx: zWidth, y: t, ldy: e)
    VectorMath.tanh(t, t, count: count * e)
    output.forward(
      parameters, rows: count, x: t, ldx: e, y: ws.logits.pointer + row * targetVocabularySize,
      ldy: targetVocabularySize)
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
    ws.prepare(batch: batch, model: self, decoderSteps: t)
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
            ws.decoderInputs[i * b + bi] = argmax(ws.logits.pointer + ((i - 1) * b + bi) * targetVocabularySize)
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
    // Output layer and readout over all rows at once.
    output.backward(
      parameters, rows: rows, x: ws.readoutOut.pointer, ldx: e, dy: ws.logits.pointer,
      ldy: targetVocabularySize, dx: ws.dReadout.pointer, lddx: e)
    for i in 0..<(rows * e) {
      let y = ws.readoutOut.pointer[i]
      ws.dReadout.pointer[i] *= 1 - y * y
    }
    readout.backward(
      parameters, rows: rows, x: ws.z.pointer, ldx: zWidth, dy: ws.dReadout.pointer, ldy: e,
      dx: ws.dZ.pointer, lddx: zWidth)
    // Back through the decoder steps.
    ws.dEncoderStates.zero()
    ws.dKeys.zero()
    ws.dCarry.zero()
    let weightIH = parameters.value(decoderWeightIH)
    ws.sourceLengths.withUnsafeBufferPointer { lengthsBuffer in
      let lengths = lengthsBuffer.baseAddress!
      for i in stride(from: t - 1, through: 0, by: -1) {
        let dzRows = ws.dZ.pointer + i * b * zWidth
        for r in 0..<b {
          let dst = ws.dState.pointer + r * h, ds = dzRows + r * zWidth + e + c
          let carry = ws.dCarry.pointer + r * h
          for j in 0..<h { dst[j] = ds[j] + carry[j] }
        }
        let (prev, ldPrev) = previousState(ws, step: i)
        let dg = ws.dG.pointer + i * b * gWidth
        let dgi = ws.dGI.pointer + i * b * 3 * h
        GRUCell.backward(
          batch: b, hidden: h, dh: ws.dState.pointer, lddh: h, hPrev: prev, ldhPrev: ldPrev,
          gates: ws.decoderGates.pointer + i * b * 3 * h, gh: ws.decoderG.pointer + i * b * gWidth,
          ldgh: gWidth, mask: nil, dgi: dgi, lddgi: 3 * h, dgh: dg, lddgh: gWidth,
          dhPrev: ws.dCarry.pointer, lddhPrev: h)
        // ∂L/∂c_i: from the readout (already in dZ) plus through the GRU input.
        BLAS.gemm(
          m: b, n: c, k: 3 * h, a: dgi, lda: 3 * h, b: weightIH + e, ldb: e + c, beta: 1,
          c: dzRows + e, ldc: zWidth)
        attention.backward(
          parameters, batch: b, steps: s, lengths: lengths, dContext: dzRows + e, lddc: zWidth,
          encoder: ws.encoderStates.pointer, pre: ws.attentionPre.pointer + i * s * b * a,
          weights: ws.attentionWeights.pointer + i * b * s, dQuery: dg + 3 * h, lddq: gWidth,
          dKeys: ws.dKeys.pointer, dEncoder: ws.dEncoderStates.pointer)
        // ∂L/∂s_{i-1} += [dgh, dq] [W_hh; W_a]
        BLAS.gemm(
          m: b, n: h, k: gWidth, a: dg, lda: gWidth, b: parameters.value(decoderWeightHH), ldb: h,
          beta: 1, c: ws.dCarry.pointer, ldc: h)
      }
    }
    // Decoder weight gradients over all steps at once.
    let dWhh = parameters.gradient(decoderWeightHH)  // [3H + A, H] with W_a's gradient
    BLAS.gemm(
      transA: true, m: gWidth, n: h, k: b, a: ws.dG.pointer, lda: gWidth,
      b: ws.initialState.pointer, ldb: h, beta: 1, c: dWhh, ldc: h)
    if t > 1 {
      BLAS.gemm(
        transA: true, m: gWidth, n: h, k: (t - 1) * b, a: ws.dG.pointer + b * gWidth, lda: gWidth,
        b: ws.z.pointer + e + c, ldb: zWidth, beta: 1, c: dWhh, ldc: h)
    }
    addColumnSums(ws.dG.pointer, rows: rows, columns: 3 * h, ld: gWidth, into: parameters.gradient(decoderBiasHH))
    BLAS.gemm(
      transA: true, m: 3 * h, n: e + c, k: rows, a: ws.dGI.pointer, lda: 3 * h, b: ws.z.pointer,
      ldb: zWidth, beta: 1, c: parameters.gradient(decoderWeightIH), ldc: e + c)
    addColumnSums(ws.dGI.pointer, rows: rows, columns: 3 * h, ld: 3 * h, into: parameters.gradient(decoderBiasIH))
    // ∂L/∂(E y_{i-1}) = readout part + GRU input part, then into the embedding table.
    BLAS.gemm(
      m: rows, n: e, k: 3 * h, a: ws.dGI.pointer, lda: 3 * h, b: weightIH, ldb: e + c, beta: 1,
      c: ws.dZ.pointer, ldc: zWidth)
    ws.decoderInputs.withUnsafeBufferPointer {
      targetEmbedding.backward(parameters, ids: $0, dOut: ws.dZ.pointer, ldo: zWidth)
    }
    encodeBackward(ws)
  }

  @inline(__always)
  public func argmax(_ row: UnsafePointer<Float>) -> Int32 {
    var best = 0
    var bestValue = row[0]
    for k in 1..<targetVocabularySize where row[k] > bestValue {
      best = k
      bestValue = row[k]
    }
    return Int32(best)
  }
}

