import AttendKernels
import XCTest

@testable import AttendModel

/// Each attention variant's backward, and the layers it is built from, against central finite
/// differences. One decoder step of B = 3 sentences of lengths 5, 2, 4 (padding included); the
/// loss is a fixed random projection of the context, L = Σ r ⊙ c.
final class AttentionGradientTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  /// Builds the attention, runs step `step` forward and backward, and checks the gradient of every
  /// parameter and of the query, the projected query and the encoder states.
  func check(
    _ kind: AttentionKind, normalizer: AttentionNormalizer = .softmax, window: AttentionWindow = .global,
    heads: Int = 1, halfWidth: Int = 1, temperature: Float = 1, step: Int = 2,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let (b, s, dq, a) = (3, 5, 4, 4)
    let c = kind == .dot || kind == .scaledDot ? dq : 6
    let lengths: [Int32] = [5, 2, 4]
    let store = ParameterStore()
    let attention = Attention(
      store, "attention", kind: kind, normalizer: normalizer, window: window, heads: heads, halfWidth: halfWidth,
      query: dq, context: c, attention: a)
    store.seal()
    let initial = randomFloats(store.count, seed: 11, scale: 0.8)
    for i in 0..<store.count { store.values[i] = initial[i] }
    let pw = max(attention.projectedQuerySize, 1)
    let encoder = FloatBuffer(randomFloats(s * b * c, seed: 1))
    let query = FloatBuffer(randomFloats(b * dq, seed: 2))
    let projected = FloatBuffer(randomFloats(b * pw, seed: 3, scale: 1.5))
    let r = FloatBuffer(randomFloats(b * c, seed: 4))
    let act = Attention.Activations()
    act.prepare(attention, batch: b, sourceLength: s, steps: step + 1)
    let context = FloatBuffer(count: b * c), report = FloatBuffer(count: b * s)
    let mode = AttentionMode(temperature: temperature)

    func loss() -> Double {
      attention.projectKeys(store, act, rows: s * b, encoder: encoder.pointer)
      lengths.withUnsafeBufferPointer {
        attention.forward(
          store, act, step: step, batch: b, steps: s, lengths: $0.baseAddress!, query: query.pointer, ldq: dq,
          projected: projected.pointer, ldp: pw, encoder: encoder.pointer, context: context.pointer, ldc: c,
          report: report.pointer, mode: mode)
      }
      return (0..<(b * c)).reduce(0.0) { $0 + Double(r[$1] * context[$1]) }
    }

    _ = loss()
    for k in 0..<b {
      let total = (0..<s).reduce(Float(0)) { $0 + report[k * s + $1] }
      let padding = (Int(lengths[k])..<s).map { report[k * s + $0] }
      if window != .localP { XCTAssertEqual(total, 1, accuracy: 1e-5, "weights sum to 1", file: file, line: line) }
      XCTAssertEqual(padding, [Float](repeating: 0, count: padding.count), "padding gets no weight", file: file, line: line)
    }
    store.zeroGradients()
    let dQuery = FloatBuffer(count: b * dq), dProjected = FloatBuffer(count: b * pw)
    let dEncoder = FloatBuffer(count: s * b * c)
    // W_O's gradient pairs every step's ∂L/∂c with that step's mixed contexts: only step `step` counts.
    let dContexts = FloatBuffer(count: (step + 1) * b * c)
    (dContexts.pointer + step * b * c).update(from: r.pointer, count: b * c)
    attention.beginBackward(act)
    lengths.withUnsafeBufferPointer {
      attention.backward(
        store, act, step: step, batch: b, steps: s, lengths: $0.baseAddress!, query: query.pointer, ldq: dq,
        projected: projected.pointer, ldp: pw, encoder: encoder.pointer, dContext: r.pointer, lddc: c,
        dQuery: dQuery.pointer, lddq: dq, dProjected: dProjected.pointer, lddp: pw, dEncoder: dEncoder.pointer,
        temperature: temperature)
    }
    attention.finishBackward(
      store, act, encoderRows: s * b, encoder: encoder.pointer, dEncoder: dEncoder.pointer,
      decoderRows: (step + 1) * b, dContexts: dContexts.pointer, lddc: c)

    // The loss is a Float32 sum of order 1, so each central difference carries ~1e-4 of rounding
    // noise at ε = 1e-3, the size of the smallest gradients checked here; ε = 2e-3 halves it.
    // Kinks (sparsemax's support, window edges) stay far from these points at this step size.
    let eps: Float = 2e-3
    let analytic = store.gradients.array
    for info in store.infos {
      assertGradientMatchesFiniteDifferences(
        of: store.values.pointer + info.offset, count: info.count,
        analytic: Array(analytic[info.offset..<(info.offset + info.count)]), name: info.name, epsilon: eps,
        loss: loss, file: file, line: line)
    }
    if !attention.kind.isAdditive {
      assertGradientMatchesFiniteDifferences(
        of: query.pointer, count: b * dq, analytic: dQuery.array, name: "query", epsilon: eps, loss: loss,
        file: file, line: line)
    }
    if attention.projectedQuerySize > 0 {
      assertGradientMatchesFiniteDifferences(
        of: projected.pointer, count: b * pw, analytic: dProjected.array, name: "projected query", epsilon: eps,
        loss: loss, file: file, line: line)
    }
    assertGradientMatchesFiniteDifferences(
      of: encoder.pointer, count: s * b * c, analytic: dEncoder.array, name: "encoder states", epsilon: eps,
      maxChecks: 60, loss: loss, file: file, line: line)
  }

  func testAdditiveScoreGradientsMatchFiniteDifferences() { check(.bahdanau) }
  func testGeneralScoreGradientsMatchFiniteDifferences() { check(.general) }
  func testDotScoreGradientsMatchFiniteDifferences() { check(.dot) }
  func testScaledDotScoreGradientsMatchFiniteDifferences() { check(.scaledDot) }
  func testTemperatureScalesTheScoreGradients() { check(.general, temperature: 2.5) }
  func testSparsemaxGradientsMatchFiniteDifferences() { check(.general, normalizer: .sparsemax, temperature: 0.5) }
  func testSparsemaxOverAdditiveScoresMatchesFiniteDifferences() { check(.concat, normalizer: .sparsemax, temperature: 0.3) }
  func testLocalMWindowGradientsMatchFiniteDifferences() { check(.concat, window: .localM, halfWidth: 1) }
  func testLocalPGradientsIncludeThePredictedPosition() { check(.general, window: .localP, halfWidth: 2) }
  func testLocalPWithAdditiveScoresGradientsMatchFiniteDifferences() { check(.bahdanau, window: .localP, halfWidth: 1) }
  func testMultiHeadAdditiveGradientsMatchFiniteDifferences() { check(.bahdanau, heads: 2) }
  func testMultiHeadScaledDotGradientsMatchFiniteDifferences() { check(.scaledDot, heads: 2) }
  func testMultiHeadSparseLocalPGradientsMatchFiniteDifferences() {
    check(.general, normalizer: .sparsemax, window: .localP, heads: 2, halfWidth: 2, temperature: 0.5)
  }

  // MARK: Normalisers

  func testSparsemaxMatchesTheClosedFormAndHasExactZeros() {
    var z: [Float] = [9, 1, 0.5, -1, 9]  // positions 1..<4 only
    var scratch = [Float](repeating: 0, count: 5)
    z.withUnsafeMutableBufferPointer { zp in
      scratch.withUnsafeMutableBufferPointer { Normalizers.sparsemax(zp.baseAddress!, lo: 1, hi: 4, scratch: $0.baseAddress!) }
    }
    // sorted 1, 0.5, -1: support 2, τ = (1.5 − 1) / 2 = 0.25
    XCTAssertEqual(Array(z[1..<4]), [0.75, 0.25, 0])
    XCTAssertEqual(z[0], 9, "outside the window is untouched")
    XCTAssertEqual(z[4], 9)
  }

  func testSparsemaxOfSpreadScoresKeepsOnlyTheTop() {
    var z: [Float] = [3, 0, -2]
    var scratch = [Float](repeating: 0, count: 3)
    z.withUnsafeMutableBufferPointer { zp in
      scratch.withUnsafeMutableBufferPointer { Normalizers.sparsemax(zp.baseAddress!, lo: 0, hi: 3, scratch: $0.baseAddress!) }
    }
    XCTAssertEqual(z, [1, 0, 0])
  }

  func testSparsemaxBackwardMatchesFiniteDifferences() {
    let base: [Float] = [0.9, 0.4, 0.7, -0.5, 0.1, 0.65]
    let r = randomFloats(base.count, seed: 9)
    var scratch = [Float](repeating: 0, count: base.count)
    let z = FloatBuffer(base)
    func loss() -> Double {
      var p = z.array
      p.withUnsafeMutableBufferPointer { pp in
        scratch.withUnsafeMutableBufferPointer { Normalizers.sparsemax(pp.baseAddress!, lo: 0, hi: pp.count, scratch: $0.baseAddress!) }
      }
      return zip(p, r).reduce(0.0) { $0 + Double($1.0 * $1.1) }
    }
    var alpha = base
    alpha.withUnsafeMutableBufferPointer { ap in
      scratch.withUnsafeMutableBufferPointer { Normalizers.sparsemax(ap.baseAddress!, lo: 0, hi: ap.count, scratch: $0.baseAddress!) }
    }
    XCTAssertTrue(alpha.contains(0) && alpha.contains { $0 > 0 && $0 < 1 }, "a partial support: \(alpha)")
    var d = r
    alpha.withUnsafeBufferPointer { ap in
      d.withUnsafeMutableBufferPointer { Normalizers.sparsemaxBackward(ap.baseAddress!, $0.baseAddress!, lo: 0, hi: $0.count) }
    }
    assertGradientMatchesFiniteDifferences(
      of: z.pointer, count: base.count, analytic: d, name: "z", epsilon: 1e-3, loss: loss)
  }

  func testSoftmaxBackwardMatchesFiniteDifferences() {
    let base: [Float] = [0.9, 0.4, 0.7, -0.5]
    let r = randomFloats(base.count, seed: 10)
    let z = FloatBuffer(base)
    func loss() -> Double {
      var p = z.array
      p.withUnsafeMutableBufferPointer { Normalizers.softmax($0.baseAddress!, lo: 0, hi: $0.count) }
      return zip(p, r).reduce(0.0) { $0 + Double($1.0 * $1.1) }
    }
    var alpha = base
    alpha.withUnsafeMutableBufferPointer { Normalizers.softmax($0.baseAddress!, lo: 0, hi: $0.count) }
    var d = r
    alpha.withUnsafeBufferPointer { ap in
      d.withUnsafeMutableBufferPointer { Normalizers.softmaxBackward(ap.baseAddress!, $0.baseAddress!, lo: 0, hi: $0.count) }
    }
    assertGradientMatchesFiniteDifferences(of: z.pointer, count: base.count, analytic: d, name: "z", loss: loss)
  }

  /// The generic attention, in its Bahdanau configuration, computes what the original
  /// BahdanauAttention computes, bit for bit (the default model's numbers did not change).
  func testAdditiveSoftmaxEqualsTheOriginalBahdanauAttention() {
    let (b, s, h, a, c) = (3, 5, 4, 4, 6)
    let lengths: [Int32] = [5, 2, 4]
    let store = ParameterStore()
    let original = BahdanauAttention(store, "original", context: c, attention: a)
    let generic = Attention(store, "attention", kind: .bahdanau, query: h, context: c, attention: a)
    store.seal()
    let keyCount = store[original.keyWeight].count, vCount = store[original.v].count
    let values = randomFloats(keyCount + vCount, seed: 21)
    for i in 0..<keyCount {
      store.value(original.keyWeight)[i] = values[i]
      store.value(generic.keyWeight!)[i] = values[i]
    }
    for i in 0..<vCount {
      store.value(original.v)[i] = values[keyCount + i]
      store.value(generic.v!)[i] = values[keyCount + i]
    }
    let encoder = FloatBuffer(randomFloats(s * b * c, seed: 22))
    let query = FloatBuffer(randomFloats(b * a, seed: 23))
    let keys = FloatBuffer(count: s * b * a), pre = FloatBuffer(count: s * b * a)
    let weights = FloatBuffer(count: b * s), context = FloatBuffer(count: b * c)
    original.projectKeys(store, rows: s * b, encoder: encoder.pointer, keys: keys.pointer)
    lengths.withUnsafeBufferPointer {
      original.forward(
        store, batch: b, steps: s, lengths: $0.baseAddress!, query: query.pointer, ldq: a, keys: keys.pointer,
        encoder: encoder.pointer, pre: pre.pointer, weights: weights.pointer, context: context.pointer, ldc: c)
    }
    let act = Attention.Activations()
    act.prepare(generic, batch: b, sourceLength: s, steps: 1)
    let genericContext = FloatBuffer(count: b * c), report = FloatBuffer(count: b * s)
    generic.projectKeys(store, act, rows: s * b, encoder: encoder.pointer)
    lengths.withUnsafeBufferPointer {
      generic.forward(
        store, act, step: 0, batch: b, steps: s, lengths: $0.baseAddress!, query: query.pointer, ldq: a,
        projected: query.pointer, ldp: a, encoder: encoder.pointer, context: genericContext.pointer, ldc: c,
        report: report.pointer, mode: AttentionMode())
    }
    XCTAssertEqual(genericContext.array, context.array)
    XCTAssertEqual(report.array, weights.array)
  }
}
