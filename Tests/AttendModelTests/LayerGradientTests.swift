import AttendKernels
import XCTest

@testable import AttendModel

/// Each layer's backward against finite differences, through a random linear read-out of its
/// outputs (loss = Σ w ⊙ output), so every output element carries gradient.
final class LayerGradientTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  func testLinearBackwardMatchesFiniteDifferences() {
    let store = ParameterStore()
    let layer = Linear(store, "layer", input: 5, output: 4)
    store.seal()
    var rng = RandomGenerator(seed: 1)
    Initialization.uniform(store.values.pointer, count: store.count, bound: 0.5, rng: &rng)
    let n = 3
    let x = FloatBuffer(randomFloats(n * 5, seed: 2))
    let w = randomFloats(n * 4, seed: 3)
    let y = FloatBuffer(count: n * 4)
    func loss() -> Double {
      layer.forward(store, rows: n, x: x.pointer, ldx: 5, y: y.pointer, ldy: 4)
      return zip(y.array, w).reduce(0) { $0 + Double($1.0 * $1.1) }
    }
    _ = loss()
    store.zeroGradients()
    let dx = FloatBuffer(count: n * 5)
    layer.backward(store, rows: n, x: x.pointer, ldx: 5, dy: w, ldy: 4, dx: dx.pointer, lddx: 5)
    assertGradientMatchesFiniteDifferences(
      of: store.values.pointer, count: store.count, analytic: store.gradients.array, name: "linear", loss: loss)
    assertGradientMatchesFiniteDifferences(of: x.pointer, count: x.count, analytic: dx.array, name: "x", loss: loss)
  }

  func testEmbeddingBackwardAccumulatesRepeatedTokens() {
    let store = ParameterStore()
    let layer = Embedding(store, "emb", vocabulary: 6, size: 3)
    store.seal()
    var rng = RandomGenerator(seed: 4)
    Initialization.uniform(store.values.pointer, count: store.count, bound: 0.5, rng: &rng)
    let ids: [Int32] = [2, 5, 2, 0]
    let w = randomFloats(ids.count * 3, seed: 5)
    let out = FloatBuffer(count: ids.count * 3)
    func loss() -> Double {
      ids.withUnsafeBufferPointer { layer.forward(store, ids: $0, out: out.pointer, ldo: 3) }
      return zip(out.array, w).reduce(0) { $0 + Double($1.0 * $1.1) }
    }
    _ = loss()
    store.zeroGradients()
    ids.withUnsafeBufferPointer { layer.backward(store, ids: $0, dOut: w, ldo: 3) }
    assertGradientMatchesFiniteDifferences(
      of: store.values.pointer, count: store.count, analytic: store.gradients.array, name: "embedding", loss: loss)
    // Token 2 appears twice: its row's gradient is the sum of both rows of w.
    XCTAssertEqual(store.gradients[2 * 3], w[0] + w[6], accuracy: 1e-6)
  }

  /// A GRU over a padded batch, forwards and reversed, with gradients from every output step
  /// and from the final state.
  func checkGRU(reverse: Bool) {
    let (s, b, input, hidden) = (4, 3, 3, 5)
    let store = ParameterStore()
    let gru = GRU(store, "rnn", suffix: "", input: input, hidden: hidden, reverse: reverse)
    store.seal()
    var rng = RandomGenerator(seed: 6)
    Initialization.uniform(store.values.pointer, count: store.count, bound: 0.6, rng: &rng)
    let lengths = [4, 2, 3]
    var masks = [Float](repeating: 0, count: s * b)
    for t in 0..<s { for bi in 0..<b { masks[t * b + bi] = t < lengths[bi] ? 1 : 0 } }
    let x = FloatBuffer(randomFloats(s * b * input, seed: 7))
    let wOut = randomFloats(s * b * hidden, seed: 8)
    let wFinal = randomFloats(b * hidden, seed: 9)
    let act = GRU.Activations()
    func loss() -> Double {
      gru.forward(store, x: x.pointer, ldx: input, steps: s, batch: b, masks: masks, act: act)
      var total = 0.0
      for t in 0..<s {
        let block = act.states.pointer + gru.stateBlock(time: t, length: s) * b * hidden
        for i in 0..<(b * hidden) { total += Double(block[i] * wOut[t * b * hidden + i]) }
      }
      for i in 0..<(b * hidden) { total += Double(act.states.pointer[s * b * hidden + i] * wFinal[i]) }
      return total
    }
    _ = loss()
    store.zeroGradients()
    let dx = FloatBuffer(count: x.count)
    gru.backward(
      store, x: x.pointer, ldx: input, steps: s, batch: b, masks: masks, act: act, dOut: wOut,
      lddOut: hidden, dFinal: wFinal, dx: dx.pointer, lddx: input)
    assertGradientMatchesFiniteDifferences(
      of: store.values.pointer, count: store.count, analytic: store.gradients.array, name: "gru", maxChecks: 80,
      loss: loss)
    assertGradientMatchesFiniteDifferences(of: x.pointer, count: x.count, analytic: dx.array, name: "x", loss: loss)
  }

  func testForwardGRUBackwardMatchesFiniteDifferencesWithPadding() { checkGRU(reverse: false) }
  func testReverseGRUBackwardMatchesFiniteDifferencesWithPadding() { checkGRU(reverse: true) }

  func testBahdanauAttentionStepMatchesFiniteDifferences() {
    let (b, s, c, a) = (3, 4, 6, 5)
    let store = ParameterStore()
    let attention = BahdanauAttention(store, "attention", context: c, attention: a)
    store.seal()
    var rng = RandomGenerator(seed: 10)
    Initialization.uniform(store.values.pointer, count: store.count, bound: 0.7, rng: &rng)
    let lengths: [Int32] = [4, 1, 3]
    let encoder = FloatBuffer(randomFloats(s * b * c, seed: 11))
    let query = FloatBuffer(randomFloats(b * a, seed: 12))
    let w = randomFloats(b * c, seed: 13)
    let keys = FloatBuffer(count: s * b * a), pre = FloatBuffer(count: s * b * a)
    let weights = FloatBuffer(count: b * s), context = FloatBuffer(count: b * c)
    func loss() -> Double {
      attention.projectKeys(store, rows: s * b, encoder: encoder.pointer, keys: keys.pointer)
      attention.forward(
        store, batch: b, steps: s, lengths: lengths, query: query.pointer, ldq: a, keys: keys.pointer,
        encoder: encoder.pointer, pre: pre.pointer, weights: weights.pointer, context: context.pointer, ldc: c)
      return zip(context.array, w).reduce(0) { $0 + Double($1.0 * $1.1) }
    }
    _ = loss()
    // Padding positions get exactly zero weight; real positions sum to one.
    for bi in 0..<b {
      let row = Array(weights.array[(bi * s)..<((bi + 1) * s)])
      XCTAssertEqual(row.prefix(Int(lengths[bi])).reduce(0, +), 1, accuracy: 1e-6)
      XCTAssertTrue(row.dropFirst(Int(lengths[bi])).allSatisfy { $0 == 0 })
    }
    store.zeroGradients()
    let dQuery = FloatBuffer(count: b * a), dKeys = FloatBuffer(count: s * b * a)
    let dEncoder = FloatBuffer(count: s * b * c)
    attention.backward(
      store, batch: b, steps: s, lengths: lengths, dContext: w, lddc: c, encoder: encoder.pointer,
      pre: pre.pointer, weights: weights.pointer, dQuery: dQuery.pointer, lddq: a, dKeys: dKeys.pointer,
      dEncoder: dEncoder.pointer)
    attention.projectKeysBackward(
      store, rows: s * b, encoder: encoder.pointer, dKeys: dKeys.pointer, dEncoder: dEncoder.pointer)
    assertGradientMatchesFiniteDifferences(
      of: store.values.pointer, count: store.count, analytic: store.gradients.array, name: "attention", loss: loss)
    assertGradientMatchesFiniteDifferences(
      of: query.pointer, count: query.count, analytic: dQuery.array, name: "query", loss: loss)
    assertGradientMatchesFiniteDifferences(
      of: encoder.pointer, count: encoder.count, analytic: dEncoder.array, name: "encoder", loss: loss)
  }

  func testSoftmaxCrossEntropyGradientMatchesFiniteDifferencesAndSkipsPadding() {
    let (rows, v) = (4, 7)
    let logits = randomFloats(rows * v, seed: 14, scale: 3)
    let targets: [Int32] = [3, 0, 6, 1]  // row 1 is padding
    func loss(_ x: [Float]) -> Double {
      var copy = x
      return SoftmaxCrossEntropy.forwardBackward(
        logits: &copy, rows: rows, vocabulary: v, ld: v, targets: targets, padding: 0, scale: 1) / 3
    }
    var gradient = logits
    _ = SoftmaxCrossEntropy.forwardBackward(
      logits: &gradient, rows: rows, vocabulary: v, ld: v, targets: targets, padding: 0, scale: 1.0 / 3)
    XCTAssertTrue(gradient[v..<(2 * v)].allSatisfy { $0 == 0 }, "padding rows carry no gradient")
    var values = logits
    values.withUnsafeMutableBufferPointer { p in
      assertGradientMatchesFiniteDifferences(
        of: p.baseAddress!, count: p.count, analytic: gradient, name: "logits", epsilon: 1e-2,
        loss: { loss(Array(p)) })
    }
  }
}
