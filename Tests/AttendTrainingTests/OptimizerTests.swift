import AttendCheckpoint
import AttendData
import AttendKernels
import AttendModel
import Foundation
import XCTest

@testable import AttendTraining

/// Adam, SGD, the per-epoch decay and gradient clipping: the arithmetic, resuming from an
/// optimizer's state, and that splitting the work over two cores (`ParallelChunks`) changes nothing.
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

  /// Adam's bias correction takes β^t from the step count alone, as PyTorch's
  /// `1 - beta1 ** step` does (a power, never a product carried from update to update, so a
  /// resume has nothing to rebuild). The oracle below is that update, element by element: 300
  /// steps must agree bit for bit.
  func testAdamFollowsTheBiasCorrectionOfPowersOfTheStepCount() {
    let count = 53
    let s = store(count: count, seed: 10)
    var p = s.values.array
    var m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
    let adam = Adam(parameterCount: count)
    let (b1, b2, eps, lr): (Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 0.003)
    var rng = RandomGenerator(seed: 11)
    for t in 1...300 {
      for i in 0..<count { s.gradients[i] = (rng.nextFloat() - 0.5) * 2 }
      adam.update(s, learningRate: lr)
      let power1 = pow(Double(b1), Double(t)), power2 = pow(Double(b2), Double(t))
      let stepSize = lr / (1 - Float(power1)), invSqrtCorrection2 = 1 / (1 - Float(power2)).squareRoot()
      for i in 0..<count {
        let g = s.gradients[i]
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        p[i] = p[i] - stepSize * m[i] / (v[i].squareRoot() * invSqrtCorrection2 + eps)
      }
    }
    XCTAssertEqual(s.values.array.map(\.bitPattern), p.map(\.bitPattern))
    XCTAssertEqual(adam.m.array.map(\.bitPattern), m.map(\.bitPattern))
    XCTAssertEqual(adam.v.array.map(\.bitPattern), v.map(\.bitPattern))
  }

  /// A forged checkpoint once said step 2^62 and resume hung: restoring multiplied β that many
  /// times. Restoring and updating at any step now costs the same; at 2^62 β^t is 0, so the
  /// update is the uncorrected one, lr · m / (√v + ε), checked element by element.
  func testAdamRestoredAtAHugeStepUpdatesAtOnceWithoutBiasCorrection() {
    let count = 37
    let s = store(count: count, seed: 12)
    let p = s.values.array
    var rng = RandomGenerator(seed: 13)
    let m0 = (0..<count).map { _ in rng.nextNormal() * 0.1 }, v0 = (0..<count).map { _ in rng.nextFloat() * 0.01 }
    for i in 0..<count { s.gradients[i] = (rng.nextFloat() - 0.5) * 2 }
    let adam = Adam(parameterCount: count)
    let started = Date()
    adam.restore(
      step: 1 << 62,
      buffers: [CheckpointTensorName.firstMomentPrefix: m0, CheckpointTensorName.secondMomentPrefix: v0])
    adam.update(s, learningRate: 0.01)
    XCTAssertLessThan(Date().timeIntervalSince(started), 1, "no work proportional to the step count")
    XCTAssertEqual(adam.step, (1 << 62) + 1)
    for i in 0..<count {
      let g = s.gradients[i]
      let m: Float = 0.9 * m0[i] + (1 - 0.9) * g
      let v: Float = 0.999 * v0[i] + (1 - 0.999) * g * g
      XCTAssertEqual(s.values[i].bitPattern, (p[i] - 0.01 * m / (v.squareRoot() * 1 + 1e-8)).bitPattern, "element \(i)")
    }
  }

  func testAdamResumedFromItsStateContinuesBitForBit() {
    let count = 41
    let whole = store(count: count, seed: 6), split = store(count: count, seed: 6)
    let adam = Adam(parameterCount: count)
    for _ in 0..<5 { adam.update(whole, learningRate: 0.01) }
    let first = Adam(parameterCount: count)
    for _ in 0..<3 { first.update(split, learningRate: 0.01) }
    let resumed = Adam(parameterCount: count)
    resumed.restore(step: first.step, buffers: Dictionary(uniqueKeysWithValues: first.stateBuffers.map { ($0.prefix, $0.buffer.array) }))
    for _ in 0..<2 { resumed.update(split, learningRate: 0.01) }
    XCTAssertEqual(split.values.array.map(\.bitPattern), whole.values.array.map(\.bitPattern))
    XCTAssertEqual(resumed.checkpointState, adam.checkpointState)
  }

  func testSGDWithMomentumFollowsTheTorchUpdateOnEveryElement() {
    let s = store(count: 37, seed: 7)
    var (p, b) = ((0..<37).map { Double(s.values[$0]) }, [Double](repeating: 0, count: 37))
    let sgd = SGD(parameterCount: 37, momentum: 0.9)
    for t in 1...3 {
      sgd.update(s, learningRate: 0.1)
      for i in 0..<37 {
        b[i] = 0.9 * b[i] + Double(s.gradients[i])
        p[i] -= 0.1 * b[i]
        XCTAssertEqual(Double(s.values[i]), p[i], accuracy: 1e-6, "step \(t), element \(i)")
      }
    }
    XCTAssertEqual(sgd.step, 3)
  }

  func testPlainSGDSubtractsTheScaledGradientAndKeepsNoBuffer() {
    let s = store(count: 20, seed: 8)
    let before = s.values.array
    let sgd = SGD(parameterCount: 20)
    sgd.update(s, learningRate: 0.5)
    for i in 0..<20 { XCTAssertEqual(s.values[i], before[i] - 0.5 * s.gradients[i]) }
    XCTAssertTrue(sgd.stateBuffers.isEmpty)
    XCTAssertEqual(sgd.checkpointState, OptimizerState(name: "sgd", step: 1, momentum: 0))
  }

  func testSGDOnTwoCoresUpdatesLargeStoresBitForBitAsOnOne() {
    let count = 3 * ParallelChunks.parallelElements + 13
    let one = store(count: count, seed: 9), two = store(count: count, seed: 9)
    let sgdOne = SGD(parameterCount: count, momentum: 0.5), sgdTwo = SGD(parameterCount: count, momentum: 0.5)
    for _ in 0..<2 {
      BLAS.threads = 1
      sgdOne.update(one, learningRate: 0.2)
      BLAS.threads = 2
      sgdTwo.update(two, learningRate: 0.2)
    }
    XCTAssertEqual(one.values.array, two.values.array)
    XCTAssertEqual(sgdOne.velocity?.array, sgdTwo.velocity?.array)
  }

  func testEpochDecayHalvesAfterEachEpochFromTheStartEpochOnce() {
    var training = TrainingConfig()
    (training.lrDecayStartEpoch, training.lrDecayFactor, training.minLearningRate) = (5, 0.5, 0.1)
    var state = TrainingState(
      batcher: BatcherState(epoch: 0, position: 0, randomState: [0, 0, 0, 0], batches: []), randomState: [0, 0, 0, 0],
      learningRate: 1)
    var rates: [Double] = []
    for completed in 0..<10 {
      // Several steps per epoch: only the first may decay.
      for _ in 0..<3 { _ = state.applyEpochDecays(completedEpochs: completed, training: training) }
      rates.append(state.learningRate)
    }
    XCTAssertEqual(rates, [1, 1, 1, 1, 1, 0.5, 0.25, 0.125, 0.1, 0.1], "epochs 1–5 at 1.0, then halved, floored")
    XCTAssertEqual(state.epochDecays, 5)
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
