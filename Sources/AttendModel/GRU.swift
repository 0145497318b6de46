import AttendKernels

/// One direction of a GRU run over a padded, time-major sequence [S, B, in].
///
/// The input projections of all S steps are one matrix product; each step then needs one
/// product for the recurrent part and the fused `GRUCell`. With `reverse`, steps run from the
/// last position to the first; padding positions keep the state (masked), so a reversed
/// sentence starts from h0 at its own last word.
public struct GRU {
  public let weightIH: ParameterID  // [3H, in]
  public let biasIH: ParameterID  // [3H]
  public let weightHH: ParameterID  // [3H, H]
  public let biasHH: ParameterID  // [3H]
  public let inputSize: Int
  public let hiddenSize: Int
  public let reverse: Bool

  /// Parameter names follow torch.nn.GRU: `<name>.weight_ih_l0[_reverse]` and so on.
  /// `afterWeightHH` declares whatever must follow W_hh in the store (the decoder's attention
  /// query weights, so that [W_hh; W_a; W_p] is one matrix).
  public init(
    _ store: ParameterStore, _ name: String, suffix: String, input: Int, hidden: Int,
    reverse: Bool, afterWeightHH: () -> Void = {}
  ) {
    weightIH = store.declare("\(name).weight_ih\(suffix)", [3 * hidden, input])
    weightHH = store.declare("\(name).weight_hh\(suffix)", [3 * hidden, hidden])
    afterWeightHH()
    biasIH = store.declare("\(name).bias_ih\(suffix)", [3 * hidden])
    biasHH = store.declare("\(name).bias_hh\(suffix)", [3 * hidden])
    inputSize = input
    hiddenSize = hidden
    self.reverse = reverse
  }

  public func initialize(_ store: ParameterStore, rng: inout RandomGenerator) {
    initialize(store, input: .xavier, recurrent: .xavier, range: 0.1, rng: &rng)
  }

  /// W_ih with `input`, W_hh with `recurrent`, each per gate block; biases stay zero.
  public func initialize(
    _ store: ParameterStore, input: InitScheme, recurrent: InitScheme, range: Float,
    rng: inout RandomGenerator
  ) {
    let h = hiddenSize
    Initialization.fill(
      store.value(weightIH), rows: 3 * h, columns: inputSize, blocks: 3, scheme: input, range: range, rng: &rng)
    Initialization.fill(
      store.value(weightHH), rows: 3 * h, columns: h, blocks: 3, scheme: recurrent, range: range, rng: &rng)
  }

  /// Activations kept from forward for backward. Buffers grow to the largest batch seen.
  public final class Activations {
    /// [S*B, 3H] input projections, time order.
    public let gi = FloatBuffer(count: 0)
    /// [S*B, 3H] recurrent projections, processing order ([B, 3H], one step, unless
    /// `keepsEveryStep`).
    public let gh = FloatBuffer(count: 0)
    /// [S*B, 3H] gates r, z, n, processing order ([B, 3H], one step, unless `keepsEveryStep`).
    public let gates = FloatBuffer(count: 0)
    /// Whether every step's recurrent projection and gates are kept for `backward` (training);
    /// without it they live for one step: the largest part of an encoding pass's memory otherwise.
    public var keepsEveryStep = true
    /// [(S+1)*B, H] states in processing order; block 0 is h0 = 0, block k+1 follows step k.
    public let states = FloatBuffer(count: 0)
    let dgi = FloatBuffer(count: 0)
    let dgh = FloatBuffer(count: 0)
    let dh = FloatBuffer(count: 0)
    let carry = FloatBuffer(count: 0)
    public init() {}
  }

  /// Index of the state block holding the output at time t.
  @inline(__always)
  public func stateBlock(time t: Int, length s: Int) -> Int { reverse ? s - t : t + 1 }

  /// Runs the sequence. x: [S*B, in] rows `ldx` apart; masks: [S*B] (1 = real token).
  public func forward(
    _ store: ParameterStore, x: UnsafePointer<Float>, ldx: Int, steps s: Int, batch b: Int,
    masks: UnsafePointer<Float>, act: Activations
  ) {
    let h = hiddenSize
    act.gi.resize(s * b * 3 * h)
    let kept = act.keepsEveryStep ? s : 1
    act.gh.resize(kept * b * 3 * h)
    act.gates.resize(kept * b * 3 * h)
    act.states.resize((s + 1) * b * h)
    act.states.pointer.update(repeating: 0, count: b * h)
    // All input projections at once: GI = X W_ih^T + b_ih.
    let bih = store.value(biasIH), bhh = store.value(biasHH)
    for r in 0..<(s * b) { (act.gi.pointer + r * 3 * h).update(from: bih, count: 3 * h) }
    BLAS.gemm(
      transB: true, m: s * b, n: 3 * h, k: inputSize, a: x, lda: ldx, b: store.value(weightIH),
      ldb: inputSize, beta: 1, c: act.gi.pointer, ldc: 3 * h)
    for k in 0..<s {
      let t = reverse ? s - 1 - k : k
      let prev = act.states.pointer + k * b * h
      let block = act.keepsEveryStep ? k : 0
      let gh = act.gh.pointer + block * b * 3 * h
      for r in 0..<b { (gh + r * 3 * h).update(from: bhh, count: 3 * h) }
      BLAS.gemm(
        transB: true, m: b, n: 3 * h, k: h, a: prev, lda: h, b: store.value(weightHH), ldb: h,
        beta: 1, c: gh, ldc: 3 * h)
      GRUCell.forward(
        batch: b, hidden: h, gi: act.gi.pointer + t * b * 3 * h, ldgi: 3 * h, gh: gh, ldgh: 3 * h,
        hPrev: prev, ldhPrev: h, mask: masks + t * b, hOut: act.states.pointer + (k + 1) * b * h,
        ldhOut: h, gates: act.gates.pointer + block * b * 3 * h)
    }
  }

  /// Backpropagates. dOut: [S*B, H] gradient of each time step's output (rows `lddOut` apart);
  /// dFinal: [B, H] gradient of the final state (or nil). Accumulates parameter gradients and
  /// adds ∂L/∂x into dx.
  public func backward(
    _ store: ParameterStore, x: UnsafePointer<Float>, ldx: Int, steps s: Int, batch b: Int,
    masks: UnsafePointer<Float>, act: Activations, dOut: UnsafePointer<Float>, lddOut: Int,
    dFinal: UnsafePointer<Float>?, dx: UnsafeMutablePointer<Float>, lddx: Int
  ) {
    let h = hiddenSize
    precondition(act.keepsEveryStep, "GRU.backward needs the activations of every step (keepsEveryStep)")
    act.dgi.resize(s * b * 3 * h)
    act.dgh.resize(s * b * 3 * h)
    act.dh.resize(b * h)
    act.carry.resize(b * h)
    if let dFinal {
      act.carry.pointer.update(from: dFinal, count: b * h)
    } else {
      act.carry.zero()
    }
    let whh = store.value(weightHH)
    for k in stride(from: s - 1, through: 0, by: -1) {
      let t = reverse ? s - 1 - k : k
      // dh = ∂L/∂output_t + what flows back from step k + 1.
      for r in 0..<b {
        let src = dOut + (t * b + r) * lddOut, carry = act.carry.pointer + r * h
        let dst = act.dh.pointer + r * h
        for j in 0..<h { dst[j] = src[j] + carry[j] }
      }
      let dgh = act.dgh.pointer + k * b * 3 * h
      GRUCell.backward(
        batch: b, hidden: h, dh: act.dh.pointer, lddh: h,
        hPrev: act.states.pointer + k * b * h, ldhPrev: h,
        gates: act.gates.pointer + k * b * 3 * h, gh: act.gh.pointer + k * b * 3 * h, ldgh: 3 * h,
        mask: masks + t * b, dgi: act.dgi.pointer + t * b * 3 * h, lddgi: 3 * h, dgh: dgh,
        lddgh: 3 * h, dhPrev: act.carry.pointer, lddhPrev: h)
      BLAS.gemm(
        m: b, n: h, k: 3 * h, a: dgh, lda: 3 * h, b: whh, ldb: h, beta: 1,
        c: act.carry.pointer, ldc: h)
    }
    // Weight gradients over all steps at once.
    BLAS.gemm(
      transA: true, m: 3 * h, n: h, k: s * b, a: act.dgh.pointer, lda: 3 * h,
      b: act.states.pointer, ldb: h, beta: 1, c: store.gradient(weightHH), ldc: h)
    addColumnSums(act.dgh.pointer, rows: s * b, columns: 3 * h, ld: 3 * h, into: store.gradient(biasHH))
    BLAS.gemm(
      transA: true, m: 3 * h, n: inputSize, k: s * b, a: act.dgi.pointer, lda: 3 * h, b: x,
      ldb: ldx, beta: 1, c: store.gradient(weightIH), ldc: inputSize)
    addColumnSums(act.dgi.pointer, rows: s * b, columns: 3 * h, ld: 3 * h, into: store.gradient(biasIH))
    BLAS.gemm(
      m: s * b, n: inputSize, k: 3 * h, a: act.dgi.pointer, lda: 3 * h, b: store.value(weightIH),
      ldb: inputSize, beta: 1, c: dx, ldc: lddx)
  }
}
