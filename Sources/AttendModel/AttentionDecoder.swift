import AttendKernels

// Shapes: B batch, T decoder steps, E embedding, H hidden, C context. Rows are time-major.

/// One decoder order: how a step strings together the GRU layers, the attention and the previous
/// output, and what the output layer reads. Both orders run on a `DecoderStack`; docs/attention.md
/// has the equations.
///
///     Bahdanau:  c_i = attention(s_{i-1}, h̄);  s_i = GRUs([E y_{i-1}; c_i], s_{i-1})
///                t_i = tanh(W_r [E y_{i-1}; c_i; s_i] + b_r)              (output reads t_i: E wide)
///     Luong:     h_t = GRUs([E y_{t-1}; h̃_{t-1}], h_{t-1})     (h̃_{t-1} only with input feeding)
///                c_t = attention(h_t, h̄);  h̃_t = tanh(W_c [c_t; h_t])   (output reads h̃_t: H wide)
///
/// Every score function runs in either order: the stack hands the attention the query each order
/// chooses (s_{i-1} or h_t), raw and projected.
protocol AttentionDecoder: AnyObject {
  var stack: DecoderStack { get }
  /// The layer that makes what the output layer reads: W_r (Bahdanau) or W_c (Luong).
  var featureLayer: Linear { get }
  /// Width of what the output layer reads: E (the readout t_i) or H (h̃_t).
  var featureWidth: Int { get }

  /// Decoder step i. Needs row block i of Z's embedding columns and of GI⁰ filled
  /// (`DecoderStack.embed`); fills Z's c and s columns and the attention weights.
  func step(_ ws: Workspace, step i: Int)
  /// The output layer's input for `count` decoder rows from `row` into ws.outputInput.
  func features(_ ws: Workspace, row: Int, count: Int)
  /// Everything after the output layer's backward: from ∂L/∂features (ws.dOutputInput, every row)
  /// back to the decoder's parameters, ∂L/∂h̄ (ws.encoder.top.dStates) and ∂L/∂s_0 (ws.dInitial).
  func backward(_ ws: Workspace)
  /// Beam search: after step i, every state step i + 1 reads goes through `permute(base, ld, width)`.
  func reorder(_ ws: Workspace, step i: Int, _ permute: (UnsafeMutablePointer<Float>, Int, Int) -> Void)
}

/// The decoder of `config.decoder`, declaring its parameters in `store`.
func makeDecoder(_ store: ParameterStore, config: ModelConfig) -> AttentionDecoder {
  switch config.decoder {
  case .bahdanau: return BahdanauDecoder(store, config: config)
  case .luong: return LuongDecoder(store, config: config)
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
