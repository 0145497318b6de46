import AttendKernels

// Shapes: B batch, S source length, H hidden, C context (2H bidirectional, H otherwise). Encoder
// rows are time-major: row j * B + b.

/// The encoder side of a pass: the source through the encoder, the decoder's first state s_0 from
/// it, and the attention's keys; then the way back.
///
///     h̄ = Encoder(x)                                          (N layers, one or two directions)
///     s_0 = tanh(W_b h_final + b_b) | h_final | tanh(W_b mean_j h̄_j + b_b) | 0      (decoder_init)
extension Seq2Seq {
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
      encoder.backward(
        parameters, ws.encoder, tokens: $0, steps: s, batch: b, dropout: dropoutActive(ws),
        final: final)
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
}
