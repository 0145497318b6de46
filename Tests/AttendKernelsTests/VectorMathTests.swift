import Foundation
import XCTest

@testable import AttendKernels

final class VectorMathTests: XCTestCase {
  func testVectorisedExpMatchesLibmToSevenDigits() {
    var x = [Float](), y = [Float](repeating: 0, count: 0)
    var v: Float = -80
    while v < 80 { x.append(v); v += 0.37 }
    y = [Float](repeating: 0, count: x.count)
    VectorMath.exp(x, &y, count: x.count)
    for i in 0..<x.count {
      let exact = Foundation.exp(Double(x[i]))
      XCTAssertEqual(Double(y[i]) / exact, 1, accuracy: 5e-7, "exp(\(x[i]))")
    }
  }

  func testVectorisedTanhAndSigmoidMatchLibm() {
    let x = stride(from: Float(-12), to: 12, by: 0.013).map { $0 }
    var t = [Float](repeating: 0, count: x.count), s = t
    VectorMath.tanh(x, &t, count: x.count)
    VectorMath.sigmoid(x, &s, count: x.count)
    for i in 0..<x.count {
      XCTAssertEqual(t[i], Foundation.tanh(x[i]), accuracy: 2e-7)
      XCTAssertEqual(s[i], 1 / (1 + Foundation.exp(-x[i])), accuracy: 2e-7)
    }
  }

  func testExpSaturatesInsteadOfOverflowingOrProducingNaN() {
    let x: [Float] = [-1000, -90, 90, 1000, -.infinity]
    var y = [Float](repeating: 0, count: x.count)
    VectorMath.exp(x, &y, count: x.count)
    for value in y { XCTAssertFalse(value.isNaN); XCTAssertTrue(value.isFinite) }
    XCTAssertLessThan(y[0], 1e-37)
  }

  func testRandomGeneratorIsDeterministicAndRestorable() {
    var a = RandomGenerator(seed: 42)
    _ = a.next()
    var b = RandomGenerator(state: a.stateWords)
    for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
    var c = RandomGenerator(seed: 42), d = RandomGenerator(seed: 42)
    var xs = Array(0..<50), ys = Array(0..<50)
    c.shuffle(&xs)
    d.shuffle(&ys)
    XCTAssertEqual(xs, ys)
    XCTAssertNotEqual(xs, Array(0..<50))
  }
}
