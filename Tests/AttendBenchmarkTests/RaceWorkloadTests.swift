import AttendData
import AttendKernels
import AttendModel
import Foundation
import XCTest

@testable import AttendBenchmark
@testable import AttendTraining

/// The quality race (`attend bench --race`): the PyTorch reference must train on exactly the
/// batches Attend trained on, in the same order, and both sides' outputs must be scored alike.
final class RaceWorkloadTests: XCTestCase {
  private var directory: String!

  override func setUpWithError() throws {
    try BLAS.load()
    directory = NSTemporaryDirectory() + "attend-race-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory!
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  }

  /// A tiny race over Tatoeba-style lines (punctuation, French spaces before `!`, subwords).
  private func tinyRace() throws -> RaceWorkload {
    let lines = [
      "I'm tired.\tJe suis fatigué.", "I'm cold.\tJ'ai froid.", "Run!\tCours\u{202F}!",
      "Are you tired?\tEs-tu fatigué\u{202F}?", "He is cold.\tIl a froid.", "We are tired.\tNous sommes fatigués.",
      "They are cold!\tIls ont froid\u{202F}!", "I'm very tired.\tJe suis très fatigué.", "You are cold.\tTu as froid.",
    ]
    try lines.joined(separator: "\n").write(toFile: directory + "/train.tsv", atomically: true, encoding: .utf8)
    try [lines[2], lines[6]].joined(separator: "\n").write(toFile: directory + "/dev.tsv", atomically: true, encoding: .utf8)
    var config = DataConfig(train: directory + "/train.tsv", dev: directory + "/dev.tsv")
    (config.splitPunctuation, config.merges) = (true, 20)
    var setup = Benchmark.Setup.medium()
    (setup.model.embeddingSize, setup.model.hiddenSize, setup.model.attentionSize) = (6, 6, 6)
    setup.batchSize = 2
    let settings = RaceWorkload.Settings(setup: setup, learningRate: 0.01, clipNorm: 1, seed: 5, maxOutputRatio: 2)
    return RaceWorkload(data: try TrainingData(config: config), settings: settings)
  }

  func testBatchPlanIsWhatAttendTrainedOnThenTheSameBatcherContinued() throws {
    let race = try tinyRace()
    let run = race.train(race.makeModel(), seconds: 1e9, maxSteps: 7)
    XCTAssertEqual(run.steps, 7)
    var fresh = race.makeBatcher()
    let expected = (0..<7 + 9).map { _ in fresh.nextBatch() }
    XCTAssertEqual(run.batches, expected.prefix(7).map(\.pairIndices))
    XCTAssertEqual(run.targetTokens, expected.prefix(7).reduce(0) { $0 + $1.targetTokenCount })
    XCTAssertEqual(run.stepTokens.count, 7)
    // 7 steps cross an epoch (5 batches of 2 over 9 pairs): the plan follows into the next.
    XCTAssertEqual(try race.batchPlan(after: run, extraBatches: 9), expected.map(\.pairIndices))
  }

  func testReferencePairsRebuildEveryPlannedBatchExactly() throws {
    let race = try tinyRace()
    let extra = race.referenceExtra
    let sources = try XCTUnwrap(extra["train_sources"] as? [[Int]])
    let targets = try XCTUnwrap(extra["train_targets"] as? [[Int]])
    XCTAssertEqual(extra["dev_sources"] as? [[Int]], race.data.devEncoded.map { $0.source.map(Int.init) })
    var batcher = race.makeBatcher()
    for _ in 0..<6 {
      let batch = batcher.nextBatch()
      let reference = Benchmark.referenceBatch(batch)
      XCTAssertEqual(batch.pairIndices.map { sources[$0] }, reference["sources"] as? [[Int]])
      XCTAssertEqual(batch.pairIndices.map { targets[$0] }, reference["targets"] as? [[Int]])
    }
  }

  func testOutputIdsAreScoredOnDetokenisedTextAgainstTheReferences() throws {
    let race = try tinyRace()
    let perfect = race.data.devEncoded.map(\.target)
    XCTAssertNil(race.checkOutputs(perfect))
    XCTAssertEqual(race.score(perfect).bleu.score, 100, accuracy: 1e-9)
    XCTAssertLessThan(race.score(perfect.reversed()).bleu.score, 100)
    XCTAssertNotNil(race.checkOutputs([perfect[0]]), "one translation per dev sentence")
    XCTAssertNotNil(race.checkOutputs([perfect[0], [Int32(race.data.targetVocabulary.count)]]))
  }

  func testFinalLossIsTheTokenWeightedMeanOfTheLastSteps() {
    let run = RaceWorkload.TrainingRun(steps: 3, stepLossSums: [90, 20, 30], stepTokens: [10, 10, 20])
    XCTAssertEqual(run.finalLoss(lastSteps: 2), 50.0 / 30, accuracy: 1e-12)
    XCTAssertEqual(run.finalLoss(lastSteps: 50), 140.0 / 40, accuracy: 1e-12)
    XCTAssertTrue(RaceWorkload.TrainingRun().finalLoss(lastSteps: 5).isNaN)
  }
}
