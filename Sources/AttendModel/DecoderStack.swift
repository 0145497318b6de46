import AttendData
import AttendKernels

// Shapes: B batch, S source length, T decoder steps, E embedding, H hidden, C context (2H
// bidirectional, H otherwise), L decoder layers, gW = 3H + Aq (Aq: width of the attention's
// projected query, 0 for dot/general). Decoder rows are time-major: row i * B + b.
//
// Z [T*B, E + C + H] holds, per (step i, sentence b), [e_i | c_i | s_i]: the embedding of the
// step's input word, the step's context and the top layer's output. G [(T+1)*B, gW] block k =
// [W_hh; W_a; W_p] state_k + [b_hh; 0] for the top layer's state_k (block 0: s_0; block k: the
// output of step k − 1): the top layer's recurrent projection and the attention's projected query
// in one matrix product.

/// What both decoder orders share: the target embedding, L GRU layers run one step at a time
/// (layer l ≥ 1 reads dropout(sˡ⁻¹) of the same step; every layer starts from s_0) and the
/// attention, whose query-side weights are declared right after the top layer's W_hh so that
/// [W_hh; W_a; W_p] is one matrix. Each forward stage sits next to the backward that inverts it;
/// a decoder order (`BahdanauDecoder`, `LuongDecoder`) strings the stages together.
final class DecoderStack {
  let store: ParameterStore
  let embedding: Embedding
  /// Layer 0 is `decoder.rnn.*`, layer l ≥ 1 `decoder.rnn_l<l>.*` (a torch.nn.GRUCell each).
  let layers: [GRU]
  let attention: Attention
  let e: Int, h: Int, c: Int
  let dropoutRate: Float

  var top: Int { layers.count - 1 }
  var zWidth: Int { e + c + h }
  var gWidth: Int { 3 * h + attention.projectedQuerySize }

  /// Declares the target embedding, then each layer (the attention after the top one's W_hh).
  /// Layer 0 reads [E y_{i-1}; extra]: the context (Bahdanau) or h̃_{i-1} (Luong, input feeding).
  init(_ store: ParameterStore, config: ModelConfig, extraInput: Int) {
    let (e, h, c) = (config.embeddingSize, config.hiddenSize, config.contextSize)
    self.store = store
    self.e = e
    self.h = h
    self.c = c
    dropoutRate = Float(config.dropout)
    embedding = Embedding(store, "decoder.embedding", vocabulary: config.targetVocabularySize, size: e)
    var attention: Attention?
    layers = (0..<config.decoderLayers).map { l in
      GRU(
        store, l == 0 ? "decoder.rnn" : "decoder.rnn_l\(l)", suffix: "", input: l > 0 ? h : e + extraInput, hidden: h,
        reverse: false
      ) {
        guard l == config.decoderLayers - 1 else { return }
        attention = Attention(
          store, "attention", kind: config.attention, normalizer: config.attentionNormalizer,
          window: config.attentionWindow, heads: config.attentionHeads, halfWidth: config.windowHalfWidth,
          query: h, context: c, attention: config.attentionSize)
      }
    }
    self.attention = attention!
  }

  /// After the store is sealed: [W_hh; W_a; W_p] must be one matrix.
  func checkFusedQuery() {
    var fused = layers[top].weightHH
    for id in attention.queryWeights {
      precondition(store.areAdjacent(fused, id))
      fused = id
    }
  }

  /// The attention's keys, values and v; the layers' W_ih and W_hh; then the query side (an order
  /// that keeps the original Bahdanau model's initial values for a given seed).
  func initialize(_ config: ModelConfig, rng: inout RandomGenerator) {
    let range = Float(config.initRange)
    attention.initialize(store, scheme: config.weightInit, range: range, rng: &rng)
    for layer in layers {
      layer.initialize(store, input: config.weightInit, recurrent: config.recurrentInit, range: range, rng: &rng)
    }
    attention.initializeQuerySide(store, scheme: config.weightInit, range: range, rng: &rng)
  }

  /// Dropout applies to this pass: training, with a rate above 0.
  @inline(__always)
  func dropoutActive(_ ws: Workspace) -> Bool { ws.mode == .training && dropoutRate > 0 }

  /// State block k of layer l (block 0: s_0; block k: the output of step k − 1) and its row
  /// stride. The top layer's outputs are Z's s column.
  @inline(__always)
  func state(_ ws: Workspace, layer l: Int, block k: Int) -> (UnsafeMutablePointer<Float>, Int) {
    if l < top { return (ws.layers[l].states.pointer + ws.block(k) * ws.batch * h, h) }
    return k == 0
      ? (ws.initialState.pointer, h) : (ws.z.pointer + ws.block(k - 1) * ws.batch * zWidth + e + c, zWidth)
  }

  // MARK: Target embeddings

  /// Looks up the embeddings of `count` consecutive decoder rows starting at `row` (dropout in
  /// training) and adds their part of layer 0's input projection (plus b_ih) into GI⁰.
  func embed(_ ws: Workspace, row: Int, count: Int) {
    ws.decoderInputs.withUnsafeBufferPointer {
      embedding.forward(
        store, ids: UnsafeBufferPointer(rebasing: $0[row..<(row + count)]),
        out: ws.z.pointer + ws.blockRow(row) * zWidth, ldo: zWidth)
    }
    if dropoutActive(ws) {
      Dropout.apply(
        ws.embeddingDropout.pointer + row * e, to: ws.z.pointer + row * zWidth, rows: count, width: e, ldx: zWidth)
    }
    let layer = layers[0]
    let gi = ws.layers[0].gi.pointer + ws.blockRow(row) * 3 * h
    let bias = store.value(layer.biasIH)
    for r in 0..<count { (gi + r * 3 * h).update(from: bias, count: 3 * h) }
    BLAS.gemm(
      transB: true, m: count, n: 3 * h, k: e, a: ws.z.pointer + ws.blockRow(row) * zWidth, lda: zWidth,
      b: store.value(layer.weightIH), ldb: layer.inputSize, beta: 1, c: gi, ldc: 3 * h)
  }

  /// ∂L/∂(E y_{i-1}) over all rows: the GRU input part, added to what dZ's e column holds when
  /// `accumulate` (Bahdanau's readout part), then through the dropout mask into the table.
  func embedBackward(_ ws: Workspace, accumulate: Bool) {
    let rows = ws.decoderSteps * ws.batch
    BLAS.gemm(
      m: rows, n: e, k: 3 * h, a: ws.layers[0].dgi.pointer, lda: 3 * h, b: store.value(layers[0].weightIH),
      ldb: layers[0].inputSize, beta: accumulate ? 1 : 0, c: ws.dZ.pointer, ldc: zWidth)
    if dropoutActive(ws) {
      Dropout.apply(ws.embeddingDropout.pointer, to: ws.dZ.pointer, rows: rows, width: e, ldx: zWidth)
    }
    ws.decoderInputs.withUnsafeBufferPointer { embedding.backward(store, ids: $0, dOut: ws.dZ.pointer, ldo: zWidth) }
  }

  // MARK: The top layer's state as recurrence and query

  /// G block k = [W_hh; W_a; W_p] state_k + [b_hh; 0] for the top layer.
  func projectTopState(_ ws: Workspace, block k: Int) {
    let b = ws.batch
    let (state, ld) = state(ws, layer: top, block: k)
    let g = ws.g.pointer + ws.block(k) * b * gWidth
    let bias = store.value(layers[top].biasHH)
    for r in 0..<b {
      (g + r * gWidth).update(from: bias, count: 3 * h)
      (g + r * gWidth + 3 * h).update(repeating: 0, count: gWidth - 3 * h)
    }
    BLAS.gemm(
      transB: true, m: b, n: gWidth, k: h, a: state, lda: ld, b: store.value(layers[top].weightHH), ldb: h,
      beta: 1, c: g, ldc: gWidth)
  }

  /// Backward of `projectTopState` for block k: the top layer's carry += dG_k [W_hh; W_a; W_p],
  /// plus the raw query's gradient when block k was also a dot/general query.
  func projectTopStateBackward(_ ws: Workspace, block k: Int, rawQuery: Bool) {
    let b = ws.batch
    let carry = ws.layers[top].carry.pointer
    BLAS.gemm(
      m: b, n: h, k: gWidth, a: ws.dG.pointer + k * b * gWidth, lda: gWidth,
      b: store.value(layers[top].weightHH), ldb: h, beta: 1, c: carry, ldc: h)
    if rawQuery && attention.readsRawQuery { VectorMath.axpy(1, ws.dQuery.pointer, carry, count: b * h) }
  }

  // MARK: Attention

  /// Attention of step i on the top layer's state block k (Bahdanau: k = i, Luong: k = i + 1);
  /// the context goes to Z's c column.
  func attend(_ ws: Workspace, step i: Int, queryBlock k: Int) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let (query, ldq) = state(ws, layer: top, block: k)
    ws.sourceLengths.withUnsafeBufferPointer { lengths in
      attention.forward(
        store, ws.attention, step: i, batch: b, steps: s, lengths: lengths.baseAddress!, query: query,
        ldq: ldq, projected: ws.g.pointer + ws.block(k) * b * gWidth + 3 * h, ldp: gWidth,
        encoder: ws.encoder.top.states.pointer, context: ws.z.pointer + ws.block(i) * b * zWidth + e, ldc: zWidth,
        report: ws.attentionWeights.pointer + i * b * s, mode: ws.attentionMode)
    }
  }

  /// Backward of `attend`: ∂L/∂c_i from Z's c column; the projected query's gradient goes to
  /// G block k, the raw query's to ws.dQuery.
  func attendBackward(_ ws: Workspace, step i: Int, queryBlock k: Int, lengths: UnsafePointer<Int32>) {
    let (b, s) = (ws.batch, ws.sourceLength)
    let (query, ldq) = state(ws, layer: top, block: k)
    attention.backward(
      store, ws.attention, step: i, batch: b, steps: s, lengths: lengths, query: query, ldq: ldq,
      projected: ws.g.pointer + k * b * gWidth + 3 * h, ldp: gWidth, encoder: ws.encoder.top.states.pointer,
      dContext: ws.dZ.pointer + i * b * zWidth + e, lddc: zWidth, dQuery: ws.dQuery.pointer, lddq: h,
      dProjected: ws.dG.pointer + k * b * gWidth + 3 * h, lddp: gWidth, dEncoder: ws.encoder.top.dStates.pointer,
      temperature: ws.attentionMode.temperature)
  }

  // MARK: The GRU layers of one step

  /// The layers of step i, bottom to top (layer l ≥ 1 reads dropout(s^{l-1}_i)); GI⁰ block i
  /// must hold layer 0's input projection; the top layer's recurrent projection is G block i.
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
        let bias = store.value(layer.biasIH)
        for r in 0..<b { (gi + r * 3 * h).update(from: bias, count: 3 * h) }
        BLAS.gemm(
          transB: true, m: b, n: 3 * h, k: h, a: x, lda: ldx, b: store.value(layer.weightIH), ldb: h, beta: 1,
          c: gi, ldc: 3 * h)
      }
      let (previous, ldPrevious) = state(ws, layer: l, block: i)
      var (gh, ldgh) = (ws.g.pointer + ws.block(i) * b * gWidth, gWidth)
      if l < top {
        (gh, ldgh) = (act.gh.pointer + ws.block(i) * b * 3 * h, 3 * h)
        let bias = store.value(layer.biasHH)
        for r in 0..<b { (gh + r * 3 * h).update(from: bias, count: 3 * h) }
        BLAS.gemm(
          transB: true, m: b, n: 3 * h, k: h, a: previous, lda: ldPrevious, b: store.value(layer.weightHH),
          ldb: h, beta: 1, c: gh, ldc: 3 * h)
      }
      let (out, ldOut) = state(ws, layer: l, block: i + 1)
      GRUCell.forward(
        batch: b, hidden: h, gi: gi, ldgi: 3 * h, gh: gh, ldgh: ldgh, hPrev: previous, ldhPrev: ldPrevious,
        mask: nil, hOut: out, ldhOut: ldOut, gates: act.gates.pointer + ws.block(i) * b * 3 * h)
    }
  }

  /// Backward of `runLayers` at step i, top to bottom. The top layer's output gradient is Z's s
  /// column plus its carry; a lower layer's is what the layer above sent plus its carry.
  func runLayersBackward(_ ws: Workspace, step i: Int) {
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
          m: b, n: h, k: 3 * h, a: dgh, lda: 3 * h, b: store.value(layer.weightHH), ldb: h, beta: 1,
          c: act.carry.pointer, ldc: h)
      }
      if l > 0 {
        // ∂L/∂ the input from layer l − 1, back through its dropout mask.
        let below = ws.layers[l - 1].dFromAbove.pointer
        BLAS.gemm(
          m: b, n: h, k: 3 * h, a: dgi, lda: 3 * h, b: store.value(layer.weightIH), ldb: h, beta: 0,
          c: below, ldc: h)
        if dropout { Dropout.apply(act.dropout.pointer + i * b * h, to: below, rows: b, width: h, ldx: h) }
      }
    }
  }

  // MARK: Around the steps' backward

  /// Before the last step's backward: no gradient has reached h̄, the keys or any carry yet.
  func beginBackward(_ ws: Workspace) {
    ws.encoder.top.dStates.zero()
    attention.beginBackward(ws.attention)
    for act in ws.layers { act.carry.zero() }
  }

  /// After every step's backward: the weight gradients of the per-step products, over all steps
  /// at once (except layer 0's W_ih, whose input the decoder order knows). The top layer's
  /// [W_hh; W_a; W_p] saw its state blocks 0..<`blocks`.
  func weightGradients(_ ws: Workspace, stateBlocks blocks: Int) {
    let b = ws.batch, rows = ws.decoderSteps * ws.batch
    let dFused = store.gradient(layers[top].weightHH)  // [gW, H]: W_hh's, then W_a's and W_p's
    BLAS.gemm(
      transA: true, m: gWidth, n: h, k: b, a: ws.dG.pointer, lda: gWidth, b: ws.initialState.pointer, ldb: h,
      beta: 1, c: dFused, ldc: h)
    if blocks > 1 {
      BLAS.gemm(
        transA: true, m: gWidth, n: h, k: (blocks - 1) * b, a: ws.dG.pointer + b * gWidth, lda: gWidth,
        b: ws.z.pointer + e + c, ldb: zWidth, beta: 1, c: dFused, ldc: h)
    }
    addColumnSums(ws.dG.pointer, rows: rows, columns: 3 * h, ld: gWidth, into: store.gradient(layers[top].biasHH))
    for l in 0..<top {
      let act = ws.layers[l]
      BLAS.gemm(
        transA: true, m: 3 * h, n: h, k: rows, a: act.dgh.pointer, lda: 3 * h, b: act.states.pointer, ldb: h,
        beta: 1, c: store.gradient(layers[l].weightHH), ldc: h)
      addColumnSums(act.dgh.pointer, rows: rows, columns: 3 * h, ld: 3 * h, into: store.gradient(layers[l].biasHH))
    }
    let dropout = dropoutActive(ws)
    for l in 0...top {
      let act = ws.layers[l]
      if l > 0 {
        let (x, ldx) = dropout ? (act.input.pointer, h) : state(ws, layer: l - 1, block: 1)
        BLAS.gemm(
          transA: true, m: 3 * h, n: h, k: rows, a: act.dgi.pointer, lda: 3 * h, b: x, ldb: ldx, beta: 1,
          c: store.gradient(layers[l].weightIH), ldc: h)
      }
      addColumnSums(act.dgi.pointer, rows: rows, columns: 3 * h, ld: 3 * h, into: store.gradient(layers[l].biasIH))
    }
  }

  /// Last: the keys' and values' gradients, and ∂L/∂s_0 (every layer started from it) into
  /// ws.dInitial.
  func finishBackward(_ ws: Workspace) {
    let b = ws.batch
    attention.finishBackward(
      store, ws.attention, encoderRows: ws.sourceLength * b, encoder: ws.encoder.top.states.pointer,
      dEncoder: ws.encoder.top.dStates.pointer, decoderRows: ws.decoderSteps * b, dContexts: ws.dZ.pointer + e,
      lddc: zWidth)
    ws.dInitial.pointer.update(from: ws.layers[top].carry.pointer, count: b * h)
    for l in 0..<top { VectorMath.axpy(1, ws.layers[l].carry.pointer, ws.dInitial.pointer, count: b * h) }
  }

  /// Beam search: every layer's state that step i + 1 reads goes through `permute`.
  func reorderStates(_ ws: Workspace, step i: Int, _ permute: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
    for l in 0...top {
      let (state, ld) = state(ws, layer: l, block: i + 1)
      permute(state, ld, h)
    }
  }
}
