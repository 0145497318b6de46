import AttendKernels

// Shapes: B batch, T decoder steps, E embedding, H hidden, C context; Z [T*B, E + C + H] rows
// [e_i | c_i | s_i] (DecoderStack.swift).

/// Bahdanau et al. 2014's order: attend with the previous state, feed the context into the GRU,
/// then a readout layer.
///
///     c_i = attention(s_{i-1}, h̄)
///     s_i = GRUs([E y_{i-1}; c_i], s_{i-1})
///     t_i = tanh(W_r [E y_{i-1}; c_i; s_i] + b_r)      (what the output layer reads)
final class BahdanauDecoder: AttentionDecoder {
  let stack: DecoderStack
  let readout: Linear  // W_r [E, E + C + H]

  init(_ store: ParameterStore, config: ModelConfig) {
    let (e, h, c) = (config.embeddingSize, config.hiddenSize, config.contextSize)
    stack = DecoderStack(store, config: config, extraInput: c)
    readout = Linear(store, "decoder.readout", input: e + c + h, output: e)
  }

  var featureLayer: Linear { readout }
  var featureWidth: Int { stack.e }

  // MARK: One step

  func step(_ ws: Workspace, step i: Int) {
    let (b, s) = (ws.batch, stack)
    // c_i = attention(s_{i-1}, h̄): the query is state block i.
    s.projectTopState(ws, block: i)
    s.attend(ws, step: i, queryBlock: i)
    // GI⁰ += W_ih⁰[:, E:] c_i
    BLAS.gemm(
      transB: true, m: b, n: 3 * s.h, k: s.c, a: ws.z.pointer + ws.block(i) * b * s.zWidth + s.e, lda: s.zWidth,
      b: s.store.value(s.layers[0].weightIH) + s.e, ldb: s.e + s.c, beta: 1,
      c: ws.layers[0].gi.pointer + ws.block(i) * b * 3 * s.h, ldc: 3 * s.h)
    s.runLayers(ws, step: i)
  }

  /// Backward of `step` i, last stage first.
  func stepBackward(_ ws: Workspace, step i: Int, lengths: UnsafePointer<Int32>) {
    let (b, s) = (ws.batch, stack)
    s.runLayersBackward(ws, step: i)
    // ∂L/∂c_i: from the readout (already in dZ) plus through the GRU input.
    BLAS.gemm(
      m: b, n: s.c, k: 3 * s.h, a: ws.layers[0].dgi.pointer + i * b * 3 * s.h, lda: 3 * s.h,
      b: s.store.value(s.layers[0].weightIH) + s.e, ldb: s.e + s.c, beta: 1,
      c: ws.dZ.pointer + i * b * s.zWidth + s.e, ldc: s.zWidth)
    s.attendBackward(ws, step: i, queryBlock: i, lengths: lengths)
    s.projectTopStateBackward(ws, block: i, rawQuery: true)
  }

  // MARK: The readout

  /// t = tanh(W_r [e; c; s] + b_r) for `count` rows from `row`.
  func features(_ ws: Workspace, row: Int, count: Int) {
    let (s, zw) = (stack, stack.zWidth)
    let t = ws.outputInput.pointer + ws.blockRow(row) * s.e
    readout.forward(s.store, rows: count, x: ws.z.pointer + ws.blockRow(row) * zw, ldx: zw, y: t, ldy: s.e)
    VectorMath.tanh(t, t, count: count * s.e)
  }

  /// Backward of `features` over every row: ∂L/∂[e; c; s] into dZ (and W_r's gradients).
  func featuresBackward(_ ws: Workspace) {
    let (s, rows) = (stack, ws.decoderSteps * ws.batch)
    tanhBackward(ws.outputInput.pointer, ws.dOutputInput.pointer, count: rows * s.e)
    readout.backward(
      s.store, rows: rows, x: ws.z.pointer, ldx: s.zWidth, dy: ws.dOutputInput.pointer, ldy: s.e,
      dx: ws.dZ.pointer, lddx: s.zWidth)
  }

  // MARK: The whole backward

  func backward(_ ws: Workspace) {
    let (s, t, rows) = (stack, ws.decoderSteps, ws.decoderSteps * ws.batch)
    featuresBackward(ws)
    s.beginBackward(ws)
    ws.sourceLengths.withUnsafeBufferPointer { lengths in
      for i in stride(from: t - 1, through: 0, by: -1) { stepBackward(ws, step: i, lengths: lengths.baseAddress!) }
    }
    s.weightGradients(ws, stateBlocks: t)
    // Layer 0's W_ih read [e_i; c_i]: Z's first E + C columns.
    BLAS.gemm(
      transA: true, m: 3 * s.h, n: s.e + s.c, k: rows, a: ws.layers[0].dgi.pointer, lda: 3 * s.h, b: ws.z.pointer,
      ldb: s.zWidth, beta: 1, c: s.store.gradient(s.layers[0].weightIH), ldc: s.e + s.c)
    // The readout's part of ∂L/∂e is in dZ already.
    s.embedBackward(ws, accumulate: true)
    s.finishBackward(ws)
  }

  func reorder(_ ws: Workspace, step i: Int, _ permute: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
    stack.reorderStates(ws, step: i, permute)
  }
}
