import AttendKernels

// Shapes: B batch, T decoder steps, E embedding, H hidden, C context, gW = 3H + Aq; Z [T*B, E + C + H]
// rows [e_t | c_t | h_t], G [(T+1)*B, gW] (DecoderStack.swift). ws.outputInput [T*B, H] holds h̃.

/// Luong et al. 2015's order: the GRU steps first, attention reads the new state, and the
/// attentional state h̃ makes the output and, with input feeding, joins the next step's input.
///
///     h_t = GRUs([E y_{t-1}; h̃_{t-1}], h_{t-1})      (h̃_{t-1} only with input feeding; h̃_{-1} = 0)
///     c_t = attention(h_t, h̄)
///     h̃_t = tanh(W_c [c_t; h_t])                     (what the output layer reads)
final class LuongDecoder: AttentionDecoder {
  let stack: DecoderStack
  let attentional: Linear  // W_c [H, C + H], no bias
  /// Input feeding: h̃_{t-1} is part of step t's GRU input.
  let feeding: Bool

  init(_ store: ParameterStore, config: ModelConfig) {
    let (h, c) = (config.hiddenSize, config.contextSize)
    feeding = config.inputFeeding
    stack = DecoderStack(store, config: config, extraInput: config.inputFeeding ? h : 0)
    attentional = Linear(store, "decoder.attentional", input: c + h, output: h, bias: false)
  }

  var featureLayer: Linear { attentional }
  var featureWidth: Int { stack.h }

  // MARK: One step

  func step(_ ws: Workspace, step i: Int) {
    let (b, s) = (ws.batch, stack)
    if i == 0 { s.projectTopState(ws, block: 0) }
    if feeding && i > 0 {
      // GI⁰ += W_ih⁰[:, E:] h̃_{i-1}
      BLAS.gemm(
        transB: true, m: b, n: 3 * s.h, k: s.h, a: ws.outputInput.pointer + ws.block(i - 1) * b * s.h, lda: s.h,
        b: s.store.value(s.layers[0].weightIH) + s.e, ldb: s.layers[0].inputSize, beta: 1,
        c: ws.layers[0].gi.pointer + ws.block(i) * b * 3 * s.h, ldc: 3 * s.h)
    }
    s.runLayers(ws, step: i)
    // c_i = attention(h_i, h̄): the query is state block i + 1, projected with next step's recurrence.
    s.projectTopState(ws, block: i + 1)
    s.attend(ws, step: i, queryBlock: i + 1)
    if feeding { attentionalRows(ws, row: i * b, count: b) }
  }

  /// Backward of `step` i, last stage first. ∂L/∂h̃_i must be complete (step i + 1 has added its
  /// input-feeding part).
  func stepBackward(_ ws: Workspace, step i: Int, lengths: UnsafePointer<Int32>) {
    let (b, s) = (ws.batch, stack)
    let dgi0 = ws.layers[0].dgi.pointer + i * b * 3 * s.h
    if feeding { attentionalRowsBackward(ws, row: i * b, count: b) }
    s.attendBackward(ws, step: i, queryBlock: i + 1, lengths: lengths)
    // ∂L/∂h_i beyond W_c: step i + 1's recurrence and this step's query.
    s.projectTopStateBackward(ws, block: i + 1, rawQuery: true)
    s.runLayersBackward(ws, step: i)
    if feeding && i > 0 {
      // h̃_{i-1} was part of step i's input.
      BLAS.gemm(
        m: b, n: s.h, k: 3 * s.h, a: dgi0, lda: 3 * s.h, b: s.store.value(s.layers[0].weightIH) + s.e,
        ldb: s.layers[0].inputSize, beta: 1, c: ws.dOutputInput.pointer + (i - 1) * b * s.h, ldc: s.h)
    }
  }

  // MARK: The attentional state

  /// h̃ = tanh(W_c [c; h]) for `count` rows from `row`.
  func attentionalRows(_ ws: Workspace, row: Int, count: Int) {
    let s = stack
    let y = ws.outputInput.pointer + ws.blockRow(row) * s.h
    attentional.forward(
      s.store, rows: count, x: ws.z.pointer + ws.blockRow(row) * s.zWidth + s.e, ldx: s.zWidth, y: y, ldy: s.h)
    VectorMath.tanh(y, y, count: count * s.h)
  }

  /// Backward of `attentionalRows` up to ∂L/∂[c; h] in dZ (W_c's own gradient: once, after
  /// every step, in `backward`).
  func attentionalRowsBackward(_ ws: Workspace, row: Int, count: Int) {
    let s = stack
    let dy = ws.dOutputInput.pointer + row * s.h
    tanhBackward(ws.outputInput.pointer + row * s.h, dy, count: count * s.h)
    BLAS.gemm(
      m: count, n: s.c + s.h, k: s.h, a: dy, lda: s.h, b: s.store.value(attentional.weight), ldb: s.c + s.h,
      beta: 0, c: ws.dZ.pointer + row * s.zWidth + s.e, ldc: s.zWidth)
  }

  /// With input feeding, `step` made h̃ already (the next step reads it).
  func features(_ ws: Workspace, row: Int, count: Int) {
    if !feeding { attentionalRows(ws, row: row, count: count) }
  }

  // MARK: The whole backward

  func backward(_ ws: Workspace) {
    let (s, b, t, rows) = (stack, ws.batch, ws.decoderSteps, ws.decoderSteps * ws.batch)
    let gw = s.gWidth
    // Without input feeding h̃ feeds only the output layer: its backward over all rows at once.
    if !feeding { attentionalRowsBackward(ws, row: 0, count: rows) }
    s.beginBackward(ws)
    // G block 0 carries no query (the first query is h_0), block T no recurrent projection.
    for r in 0..<b {
      (ws.dG.pointer + r * gw + 3 * s.h).update(repeating: 0, count: gw - 3 * s.h)
      (ws.dG.pointer + (t * b + r) * gw).update(repeating: 0, count: 3 * s.h)
    }
    ws.sourceLengths.withUnsafeBufferPointer { lengths in
      for i in stride(from: t - 1, through: 0, by: -1) { stepBackward(ws, step: i, lengths: lengths.baseAddress!) }
    }
    s.projectTopStateBackward(ws, block: 0, rawQuery: false)
    // Blocks 0...T: block T carried step T − 1's query.
    s.weightGradients(ws, stateBlocks: t + 1)
    // Layer 0's W_ih read [e_t; h̃_{t-1}]: Z's e column, and h̃ of the previous row block.
    let dgi0 = ws.layers[0].dgi.pointer, dWeightIH0 = s.store.gradient(s.layers[0].weightIH)
    let gi0Width = s.layers[0].inputSize
    BLAS.gemm(
      transA: true, m: 3 * s.h, n: s.e, k: rows, a: dgi0, lda: 3 * s.h, b: ws.z.pointer, ldb: s.zWidth,
      beta: 1, c: dWeightIH0, ldc: gi0Width)
    if feeding && t > 1 {
      BLAS.gemm(
        transA: true, m: 3 * s.h, n: s.h, k: (t - 1) * b, a: dgi0 + b * 3 * s.h, lda: 3 * s.h,
        b: ws.outputInput.pointer, ldb: s.h, beta: 1, c: dWeightIH0 + s.e, ldc: gi0Width)
    }
    // dW_c += ∂L/∂(W_c [c; h])ᵀ [c; h], all rows.
    BLAS.gemm(
      transA: true, m: s.h, n: s.c + s.h, k: rows, a: ws.dOutputInput.pointer, lda: s.h, b: ws.z.pointer + s.e,
      ldb: s.zWidth, beta: 1, c: s.store.gradient(attentional.weight), ldc: s.c + s.h)
    s.embedBackward(ws, accumulate: false)
    s.finishBackward(ws)
  }

  /// Beyond the layers' states: the top layer's projection for the next step and, with input
  /// feeding, h̃_i.
  func reorder(_ ws: Workspace, step i: Int, _ permute: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
    let (b, s) = (ws.batch, stack)
    s.reorderStates(ws, step: i, permute)
    permute(ws.g.pointer + ws.block(i + 1) * b * s.gWidth, s.gWidth, s.gWidth)
    if feeding { permute(ws.outputInput.pointer + ws.block(i) * b * s.h, s.h, s.h) }
  }
}
