import AttendKernels
import AttendModel
import XCTest

@testable import AttendTraining

/// Adam and gradient clipping: the arithmetic, and that splitting the work over two cores
/// (`ParallelChunks`) changes nothing.
final class OptimizerTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  override func tearDown() { BLAS.threads = 2 }

  /// A store of `count` parameters with seeded values and gradients.
  func store(count: Int, seed: UInt64) -> ParameterStore {
    let store = ParameterStore()
    _ = store.declare("w", [count])
    store.seal()
    var rng = RandomGenerator(seed: seed)
    for i in 0..<count {
      store.values[i] = rng.nextFloat() - 0.5
      store.gradients[i] = (rng.nextFloat() - 0.5) * 3
    }
    return store
  }

  func testAdamFollowsTheBiasCorrectedUpdateOnEveryElement() {
    let s = store(count: 37, seed: 1)
    var (p, m, v) = ((0..<37).map { Double(s.values[$0]) }, [Double](repeating: 0, count: 37), [Double](repeating: 0, count: 37))
    let adam = Adam(parameterCount: 37)
    for t in 1...3 {
      adam.update(s, learningRate: 0.01)
      for i in 0..<37 {
        let g = Double(s.gradients[i])
        m[i] = 0.9 * m[i] + 0.1 * g
        v[i] = 0.999 * v[i] + 0.001 * g * g
        let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
        p[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
        XCTAssertEqual(Double(s.values[i]), p[i], accuracy: 1e-6, "step \(t), element \(i)")
      }
    }
  }

  func testAdamOnTwoCoresUpdatesLargeStoresBitForBitAsOnOne() {
    // Odd size, above ParallelChunks.parallelElements: several chunks and a ragged tail.
    let count = 3 * ParallelChunks.parallelElements + 13
    let one = store(count: count, seed: 2), two = store(count: count, seed: 2)
    let adamOne = Adam(parameterCount: count), adamTwo = Adam(parameterCount: count)
    for _ in 0..<2 {
      BLAS.threads = 1
      adamOne.update(one, learningRate: 0.002)
      BLAS.threads = 2
      adamTwo.update(two, learningRate: 0.002)
    }
    XCTAssertEqual(one.values.array, two.values.array)
    XCTAssertEqual(adamOne.m.array, adamTwo.m.array)
    XCTAssertEqual(adamOne.v.array, adamTwo.v.array)
  }

  func testClippingRescalesToTheMaxNormAndReturnsTheNormBeforeIt() {
    let count = 2 * ParallelChunks.parallelElements + 5
    let s = store(count: count, seed: 3)
    let before = s.gradients.array
    let expected = before.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let norm = clipGradients(s, maxNorm: 1)
    XCTAssertEqual(Double(norm), expected, accuracy: expected * 1e-6)
    let after = s.gradients.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    XCTAssertEqual(after, 1, accuracy: 1e-4)
    // Below the limit nothing changes.
    let small = store(count: 10, seed: 4)
    let unchanged = small.gradients.array
    clipGradients(small, maxNorm: 1000)
    XCTAssertEqual(small.gradients.array, unchanged)
  }

  func testClippingReportsTheSameNormOnOneOrTwoCores() {
    let count = 5 * ParallelChunks.parallelElements + 7
    let one = store(count: count, seed: 5), two = store(count: count, seed: 5)
    BLAS.threads = 1
    let normOne = clipGradients(one, maxNorm: 2)
    BLAS.threads = 2
    let normTwo = clipGradients(two, maxNorm: 2)
    XCTAssertEqual(normOne, normTwo)
    XCTAssertEqual(one.gradients.array, two.gradients.array)
  }
}
