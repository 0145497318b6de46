import AttendKernels
import Foundation
import XCTest

@testable import AttendModel

final class SoftmaxCrossEntropyThreadsTests: XCTestCase {
  func testLargeBatchesGiveTheSameBitsOnOneAndTwoThreadsAndMatchANaiveReference() {
    // 300 rows × 700 classes: above the split threshold, so two threads share the rows.
    let (rows, v, ld) = (300, 700, 704)
    var rng = RandomGenerator(seed: 21)
    let logits0 = (0..<(rows * ld)).map { _ in 6 * (rng.nextFloat() - 0.5) }
    let targets: [Int32] = (0..<rows).map { r in r % 7 == 3 ? 0 : Int32(1 + (r * 37) % (v - 1)) }
    XCTAssertGreaterThanOrEqual(rows * v, ParallelChunks.parallelElements)
    defer { BLAS.threads = 2 }
    var results: [(loss: Double, gradient: [Float])] = []
    for threads in [1, 2] {
      BLAS.threads = threads
      var logits = logits0
      let loss = SoftmaxCrossEntropy.forwardBackward(
        logits: &logits, rows: rows, vocabulary: v, ld: ld, targets: targets, padding: 0, scale: 0.01)
      results.append((loss, logits))
    }
    XCTAssertEqual(results[0].loss, results[1].loss)
    XCTAssertEqual(results[0].gradient, results[1].gradient)

    // Naive double-precision reference of the summed −log p over non-padding rows.
    var expected = 0.0
    for r in 0..<rows where targets[r] != 0 {
      let row = (0..<v).map { Double(logits0[r * ld + $0]) }
      let top = row.max()!
      let logSum = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
      expected += logSum - row[Int(targets[r])]
    }
    XCTAssertEqual(results[1].loss, expected, accuracy: 1e-3 * expected)
    // Padding rows get a zero gradient; padding columns past V are untouched.
    XCTAssertEqual(Array(results[1].gradient[(3 * ld)..<(3 * ld + v)]), [Float](repeating: 0, count: v))
    XCTAssertEqual(results[1].gradient[ld - 1], logits0[ld - 1])
  }
}
