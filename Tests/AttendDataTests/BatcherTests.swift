import Foundation
import XCTest

@testable import AttendData

final class BatcherTests: XCTestCase {
  /// Encoded reverse-task pairs: ids ≥ 4, so no real token is ever padding.
  private func pairs(_ count: Int, seed: UInt64 = 11) -> [EncodedPair] {
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: seed, trainCount: count, devCount: 0, testCount: 0)
    let vocabulary = Vocabulary.build(from: corpus.train.map(\.source))
    return corpus.train.enumerated().map { i, pair in
      EncodedPair(
        source: vocabulary.encode(pair.source), target: vocabulary.encode(pair.target),
        index: 1000 + i)
    }
  }

  private func epochs(_ batcher: inout Batcher, _ count: Int) -> [[Batch]] {
    (0..<count).map { e in
      var batches: [Batch] = []
      while batcher.epoch == e { batches.append(batcher.nextBatch()) }
      return batches
    }
  }

  func testEveryPairAppearsExactlyOncePerEpoch() {
    let data = pairs(1037)
    for bucketing in [true, false] {
      var batcher = Batcher(pairs: data, batchSize: 16, seed: 1, bucketing: bucketing)
      for batches in epochs(&batcher, 3) {
        XCTAssertEqual(batches.count, 65)  // ⌈1037 / 16⌉
        let seen = batches.flatMap(\.pairIndices)
        XCTAssertEqual(seen.sorted(), data.map(\.index))
        // Only one batch, the leftover, is smaller.
        XCTAssertEqual(batches.map(\.size).sorted().first, 1037 % 16)
        XCTAssertEqual(batches.filter { $0.size < 16 }.count, 1)
      }
    }
  }

  func testBatchesHoldThePairsTheyName() {
    let data = pairs(200)
    let byIndex = Dictionary(uniqueKeysWithValues: data.map { ($0.index, $0) })
    var batcher = Batcher(pairs: data, batchSize: 7, seed: 4)
    for _ in 0..<40 {
      let batch = batcher.nextBatch()
      for (b, index) in batch.pairIndices.enumerated() {
        let pair = byIndex[index]!
        let source = (0..<pair.source.count).map { batch.sourceTokens[$0 * batch.size + b] }
        let target = (0..<pair.target.count).map { batch.targetOutput[$0 * batch.size + b] }
        XCTAssertEqual(source, pair.source)
        XCTAssertEqual(target, pair.target)
      }
    }
  }

  func testPaddingOnlyAtTheEndOfEachSentence() {
    var batcher = Batcher(pairs: pairs(500), batchSize: 12, seed: 2)
    for _ in 0..<100 {
      let batch = batcher.nextBatch()
      let (b, s, t) = (batch.size, batch.sourceLength, batch.targetLength)
      for i in 0..<b {
        let sourceLength = Int(batch.sourceLengths[i])
        for p in 0..<s {
          XCTAssertEqual(batch.sourceTokens[p * b + i] == SpecialToken.pad, p >= sourceLength)
        }
        let steps = Int(batch.targetLengths[i])
        for p in 0..<t {
          XCTAssertEqual(batch.targetInput[p * b + i] == SpecialToken.pad, p >= steps)
          XCTAssertEqual(batch.targetOutput[p * b + i] == SpecialToken.pad, p >= steps)
        }
        XCTAssertEqual(batch.targetInput[i], SpecialToken.bos)
        XCTAssertEqual(batch.targetOutput[(steps - 1) * b + i], SpecialToken.eos)
      }
    }
  }

  func testBucketingLeavesLessPaddingThanRandomBatches() {
    let data = pairs(2000)
    func paddingFraction(bucketing: Bool) -> Double {
      var batcher = Batcher(pairs: data, batchSize: 20, seed: 3, bucketing: bucketing)
      var (padded, total) = (0, 0)
      for batch in epochs(&batcher, 1)[0] {
        total += batch.size * batch.sourceLength
        padded += batch.size * batch.sourceLength - batch.sourceLengths.reduce(0) { $0 + Int($1) }
      }
      return Double(padded) / Double(total)
    }
    let bucketed = paddingFraction(bucketing: true)
    let random = paddingFraction(bucketing: false)
    XCTAssertLessThan(bucketed, 0.05)
    XCTAssertGreaterThan(random, 0.3)
  }

  func testBatchOrderIsDeterministicForASeed() {
    let data = pairs(300)
    var a = Batcher(pairs: data, batchSize: 8, seed: 42)
    var b = Batcher(pairs: data, batchSize: 8, seed: 42)
    var c = Batcher(pairs: data, batchSize: 8, seed: 43)
    let orderA = (0..<100).map { _ in a.nextBatch().pairIndices }
    XCTAssertEqual(orderA, (0..<100).map { _ in b.nextBatch().pairIndices })
    XCTAssertNotEqual(orderA, (0..<100).map { _ in c.nextBatch().pairIndices })
  }

  func testEpochsAreShuffledDifferently() {
    var batcher = Batcher(pairs: pairs(300), batchSize: 8, seed: 5)
    let two = epochs(&batcher, 2)
    XCTAssertNotEqual(two[0].map(\.pairIndices), two[1].map(\.pairIndices))
  }

  func testRestoreFromStateContinuesIdentically() throws {
    let data = pairs(250)
    var original = Batcher(pairs: data, batchSize: 9, seed: 8)
    for _ in 0..<40 { _ = original.nextBatch() }  // 28 batches per epoch: now inside epoch 1.
    XCTAssertEqual(original.epoch, 1)
    XCTAssertEqual(original.positionInEpoch, 12)
    let saved = try JSONEncoder().encode(original.state)
    var restored = try Batcher(
      pairs: data, batchSize: 9, state: try JSONDecoder().decode(BatcherState.self, from: saved))
    XCTAssertEqual(restored.state, original.state)
    for _ in 0..<70 {  // Crosses two more epoch boundaries.
      XCTAssertEqual(restored.nextBatch().pairIndices, original.nextBatch().pairIndices)
      XCTAssertEqual(restored.epoch, original.epoch)
      XCTAssertEqual(restored.positionInEpoch, original.positionInEpoch)
    }
  }

  func testRestoreRejectsAStateFromAnotherCorpus() {
    let batcher = Batcher(pairs: pairs(100), batchSize: 10, seed: 1)
    XCTAssertThrowsError(try Batcher(pairs: pairs(90), batchSize: 10, state: batcher.state))
    XCTAssertThrowsError(try Batcher(pairs: pairs(100), batchSize: 5, state: batcher.state))
  }

  func testEvaluationBatchesKeepCorpusOrder() {
    let data = pairs(23)
    let batches = Batcher.batches(of: data, batchSize: 10)
    XCTAssertEqual(batches.map(\.size), [10, 10, 3])
    XCTAssertEqual(batches.flatMap(\.pairIndices), data.map(\.index))
  }

  // MARK: - Token-based batching

  /// Pairs of very different lengths (1…60 tokens; a target about as long as its source, as in
  /// real corpora), so token budgets matter.
  private func varied(_ count: Int) -> [EncodedPair] {
    var state: UInt64 = 77
    func next(_ bound: Int) -> Int {  // a fixed linear congruential sequence
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int(state >> 33) % bound
    }
    return (0..<count).map { i in
      let s = 1 + next(60)
      let t = max(1, s + next(7) - 3)
      return EncodedPair(
        source: (0..<s).map { _ in Int32(4 + next(20)) },
        target: (0..<t).map { _ in Int32(4 + next(20)) }, index: 500 + i)
    }
  }

  func testTokenBatchesStayWithinTheBudgetAndVisitEveryPairOncePerEpoch() {
    let data = varied(700)
    for bucketing in [true, false] {
      var batcher = Batcher(pairs: data, policy: .tokens(400), seed: 3, bucketing: bucketing)
      for batches in epochs(&batcher, 3) {
        XCTAssertEqual(batches.flatMap(\.pairIndices).sorted(), data.map(\.index))
        for batch in batches {
          let cost = batch.size * max(batch.sourceLength, batch.targetLength)
          XCTAssertTrue(cost <= 400 || batch.size == 1, "\(batch.size) pairs cost \(cost)")
        }
      }
    }
  }

  func testAPairOverTheBudgetIsTrainedAlone() {
    let data = varied(50)
    var batcher = Batcher(pairs: data, policy: .tokens(30), seed: 1)
    let batches = epochs(&batcher, 1)[0]
    XCTAssertEqual(batches.flatMap(\.pairIndices).sorted(), data.map(\.index))
    let longAlone = batches.filter { $0.size == 1 && max($0.sourceLength, $0.targetLength) > 30 }
    XCTAssertGreaterThan(longAlone.count, 0)
  }

  func testTokenBatchesHoldMoreShortPairsThanLongOnes() {
    let data = varied(2000)
    var batcher = Batcher(pairs: data, policy: .tokens(1200), seed: 9)
    let batches = epochs(&batcher, 1)[0]
    let short = batches.filter { $0.sourceLength < 15 && $0.targetLength < 15 }.map(\.size)
    let long = batches.filter { $0.sourceLength > 50 || $0.targetLength > 50 }.map(\.size)
    XCTAssertGreaterThan(short.min() ?? 0, long.max() ?? .max)
    // Bucketed batches are nearly full.
    let used = batches.map { Double($0.size * max($0.sourceLength, $0.targetLength)) / 1200 }
    XCTAssertGreaterThan(used.reduce(0, +) / Double(used.count), 0.8)
  }

  func testTokenBatchesPadOnlyAtTheEnd() {
    var batcher = Batcher(pairs: varied(300), policy: .tokens(500), seed: 2)
    for _ in 0..<60 {
      let batch = batcher.nextBatch()
      let b = batch.size
      for i in 0..<b {
        for p in 0..<batch.sourceLength {
          XCTAssertEqual(batch.sourceTokens[p * b + i] == SpecialToken.pad, p >= Int(batch.sourceLengths[i]))
        }
        for p in 0..<batch.targetLength {
          XCTAssertEqual(batch.targetOutput[p * b + i] == SpecialToken.pad, p >= Int(batch.targetLengths[i]))
        }
      }
    }
  }

  func testTokenBatcherRestoresFromStateAndContinuesIdentically() throws {
    let data = varied(400)
    var original = Batcher(pairs: data, policy: .tokens(600), seed: 12)
    let perEpoch = original.batchesPerEpoch
    for _ in 0..<(perEpoch + 5) { _ = original.nextBatch() }
    XCTAssertEqual(original.epoch, 1)
    let saved = try JSONEncoder().encode(original.state)
    var restored = try Batcher(
      pairs: data, policy: .tokens(600), state: try JSONDecoder().decode(BatcherState.self, from: saved))
    for _ in 0..<(2 * perEpoch + 10) {
      XCTAssertEqual(restored.nextBatch().pairIndices, original.nextBatch().pairIndices)
      XCTAssertEqual(restored.epoch, original.epoch)
      XCTAssertEqual(restored.positionInEpoch, original.positionInEpoch)
    }
  }

  func testTokenRestoreRejectsAStateOverASmallerBudget() {
    let data = varied(200)
    let batcher = Batcher(pairs: data, policy: .tokens(900), seed: 1)
    XCTAssertThrowsError(try Batcher(pairs: data, policy: .tokens(100), state: batcher.state)) { error in
      XCTAssertTrue("\(error)".contains("padded tokens; expected at most 100"), "\(error)")
    }
    XCTAssertNoThrow(try Batcher(pairs: data, policy: .tokens(900), state: batcher.state))
  }
}
