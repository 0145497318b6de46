import AttendKernels

/// One decoder GRU layer's per-step buffers (its parameters: a `GRU` in `DecoderStack`).
enum DecoderLayer {
  /// Activations of one layer over all decoder steps. The top layer's states live in the
  /// workspace's Z rows and its recurrent projection in G (fused with the attention query).
  final class Activations {
    let gi = FloatBuffer(count: 0)  // [T*B, 3H] W_ih x + b_ih
    let gh = FloatBuffer(count: 0)  // [T*B, 3H] W_hh s + b_hh (below the top)
    let gates = FloatBuffer(count: 0)  // [T*B, 3H] r, z, n
    let states = FloatBuffer(count: 0)  // [(T+1)*B, H] block 0 = s_0, block k+1 after step k (below the top)
    let dropout = FloatBuffer(count: 0)  // [T*B, H] mask on the input from the layer below (l ≥ 1, training)
    let input = FloatBuffer(count: 0)  // [T*B, H] that masked input
    let dgi = FloatBuffer(count: 0)  // [T*B, 3H]
    let dgh = FloatBuffer(count: 0)  // [T*B, 3H] (below the top)
    let dState = FloatBuffer(count: 0)  // [B, H] ∂L/∂ this step's output
    let carry = FloatBuffer(count: 0)  // [B, H] ∂L/∂ the previous step's output, through the recurrence
    let dFromAbove = FloatBuffer(count: 0)  // [B, H] ∂L/∂ this step's output, from the layer above

    func prepare(layer l: Int, top: Bool, batch b: Int, steps t: Int, hidden h: Int, masked withDropout: Bool) {
      gi.resize(t * b * 3 * h)
      gh.resize(top ? 0 : t * b * 3 * h)
      gates.resize(t * b * 3 * h)
      states.resize(top ? 0 : (t + 1) * b * h)
      let masked = withDropout && l > 0
      dropout.resize(masked ? t * b * h : 0)
      input.resize(masked ? t * b * h : 0)
      dgi.resize(t * b * 3 * h)
      dgh.resize(top ? 0 : t * b * 3 * h)
      dState.resize(b * h)
      carry.resize(b * h)
      dFromAbove.resize(b * h)
    }
  }
}
