import AttendCheckpoint
import AttendData
import AttendKernels
import AttendModel
import AttendSearch
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// End to end on a small reverse corpus: training is reproducible, learns the task, and its
/// checkpoint loads and translates.
final class TrainerTests: XCTestCase {
  var directory = ""

  override func setUpWithError() throws {
    try BLAS.load()
    directory = NSTemporaryDirectory() + "attend-trainer-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 5, trainCount: 3000, devCount: 60, testCount: 10, minLength: 2, maxLength: 7,
      vocabularySize: 12)
    try corpus.write(to: directory + "/corpus")
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func config(runName: String, steps: Int) -> ExperimentConfig {
    var model = ModelConfig()
    model.embeddingSize = 16
    model.hiddenSize = 32
    model.attentionSize = 16
    var training = TrainingConfig()
    training.batchSize = 32
    training.epochs = 100
    training.maxSteps = steps
    training.learningRate = 0.005
    training.evalEvery = 100
    training.checkpointDir = directory + "/checkpoints"
    var logging = LoggingConfig(runName: runName)
    logging.database = directory + "/log.sqlite"
    logging.logEvery = 10
    logging.probes = 2
    return ExperimentConfig(
      model: model, data: DataConfig(train: directory + "/corpus/train.tsv", dev: directory + "/corpus/dev.tsv"),
      training: training, logging: logging)
  }

  func quietTrainer(_ config: ExperimentConfig) -> Trainer {
    let trainer = Trainer(config: config)
    trainer.log = { _ in }
    return trainer
  }

  func testSameConfigAndSeedGiveIdenticalLosses() throws {
    let first = try quietTrainer(config(runName: "a", steps: 40)).run()
    let second = try quietTrainer(config(runName: "b", steps: 40)).run()
    XCTAssertEqual(first.losses.count, 4)
    XCTAssertEqual(first.losses, second.losses)
    let a = try Checkpoint.read(from: first.latestCheckpoint).tensors
    let b = try Checkpoint.read(from: second.latestCheckpoint).tensors
    XCTAssertEqual(a, b, "parameters are bit-for-bit equal")
  }

  func testTrainingLearnsReverseAndCheckpointTranslates() throws {
    let summary = try quietTrainer(config(runName: "learn", steps: 400)).run()
    XCTAssertGreaterThan(summary.bleuAtBest, 90, "the reverse task is learnt")
    XCTAssertLessThan(summary.losses.last!, summary.losses.first! / 5)

    let loaded = try ModelCheckpoint.load(from: summary.bestCheckpoint)
    let source = ["3", "9", "1", "11", "4"]
    let ids = loaded.header.sourceVocabulary.encode(source)
    let out = GreedySearch.translate(loaded.model, sources: [ids])[0]
    XCTAssertEqual(loaded.header.targetVocabulary.decode(out.tokens), source.reversed())
    XCTAssertEqual(out.attention.count, out.tokens.count + 1, "one attention row per output, </s> included")

    // The log holds the run, its evaluations and probe alignments at each evaluation.
    let log = try TrainingLog(path: directory + "/log.sqlite")
    let run = try XCTUnwrap(log.latestRun(named: "learn"))
    let evaluations = try log.evaluations(runID: run.id)
    XCTAssertEqual(evaluations.map(\.step), [100, 200, 300, 400])
    let alignmentSteps = try log.database.query(
      "SELECT DISTINCT step FROM alignments WHERE run_id = ? AND probe = 0 ORDER BY step", [.integer(run.id)])
    XCTAssertEqual(alignmentSteps.count, 4)
  }
}
