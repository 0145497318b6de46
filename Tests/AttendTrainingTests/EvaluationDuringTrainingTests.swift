import AttendData
import AttendEvaluation
import AttendKernels
import AttendModel
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// Dev evaluation during training: the metric keys of the config, best-checkpoint choice, early
/// stopping, learning-rate reduction on a plateau, and what reaches the database.
final class EvaluationDuringTrainingTests: XCTestCase {
  var directory = ""

  override func setUpWithError() throws {
    try BLAS.load()
    directory = NSTemporaryDirectory() + "attend-evaluation-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func parse(_ training: String, alignments: Bool = false) throws -> ExperimentConfig {
    let yaml = """
      data:
        train: t.tsv
        dev: d.tsv\(alignments ? "\n  dev_alignments: d.align" : "")
      training:
      \(training)
      """
    return try ExperimentConfig.parse(yaml: yaml, file: "configs/test.yaml", baseDirectory: nil)
  }

  // MARK: Config keys

  func testMetricKeysParseWithTheirDefaults() throws {
    let defaults = try parse("  seed: 1").training
    XCTAssertEqual(defaults.evalMetric, .bleu)
    XCTAssertEqual(defaults.patience, 0)
    XCTAssertEqual(defaults.lrReductionFactor, 0.5)
    XCTAssertEqual(defaults.lrPatience, 0)
    XCTAssertEqual(defaults.minLearningRate, 0)
    let set = try parse(
      """
        eval_metric: dev_loss
        patience: 4
        lr_reduction_factor: 0.25
        lr_patience: 2
        min_learning_rate: 0.00001
      """
    ).training
    XCTAssertEqual(set.evalMetric, .devLoss)
    XCTAssertEqual(set.patience, 4)
    XCTAssertEqual(set.lrReductionFactor, 0.25)
    XCTAssertEqual(set.lrPatience, 2)
    XCTAssertEqual(set.minLearningRate, 0.00001)
    XCTAssertEqual(try parse("  eval_metric: aer", alignments: true).training.evalMetric, .aer)
  }

  func testAERNeedsGoldAlignmentsAndTheErrorSaysSo() {
    XCTAssertThrowsError(try parse("  eval_metric: aer")) { error in
      XCTAssertEqual(
        "\(error)",
        "configs/test.yaml:5: training.eval_metric: expected bleu, chrf or dev_loss, since aer needs gold "
          + "alignments (or set data.dev_alignments), found 'aer'")
    }
  }

  func testBadMetricValuesNameTheChoicesAndRanges() {
    XCTAssertThrowsError(try parse("  eval_metric: meteor")) { error in
      XCTAssertTrue("\(error)".contains("bleu, chrf, dev_loss, aer"), "\(error)")
    }
    XCTAssertThrowsError(try parse("  lr_reduction_factor: 0")) { error in
      XCTAssertTrue("\(error)".contains("expected a number in (0, 1], found '0'"), "\(error)")
    }
    XCTAssertThrowsError(try parse("  patience: -1")) { error in
      XCTAssertTrue("\(error)".contains("training.patience"), "\(error)")
    }
  }

  // MARK: Plateau bookkeeping

  /// A trainer whose state is set up by hand, for `recordEvaluation` alone.
  func trainer(_ configure: (inout TrainingConfig) -> Void) throws -> Trainer {
    var config = try parse("  learning_rate: 0.01")
    configure(&config.training)
    let trainer = Trainer(config: config)
    trainer.log = { _ in }
    trainer.state = TrainingState(
      batcher: BatcherState(epoch: 0, position: 0, randomState: [1, 2, 3, 4], batches: []),
      randomState: [1, 2, 3, 4], learningRate: 0.01)
    return trainer
  }

  func testBestIsStrictlyBetterInTheMetricsDirection() throws {
    let loss = try trainer { $0.evalMetric = .devLoss }
    XCTAssertTrue(loss.recordEvaluation(metric: 2.0, bleu: 10))
    XCTAssertTrue(loss.recordEvaluation(metric: 1.5, bleu: 5))
    XCTAssertFalse(loss.recordEvaluation(metric: 1.5, bleu: 50), "a tie keeps the earlier checkpoint")
    XCTAssertFalse(loss.recordEvaluation(metric: 1.8, bleu: 60))
    XCTAssertEqual(loss.state.bestMetric, 1.5)
    XCTAssertEqual(loss.state.bleuAtBest, 5, "BLEU of the best checkpoint, not the highest BLEU")
    XCTAssertEqual(loss.state.evaluationsWithoutImprovement, 2)

    let chrF = try trainer { $0.evalMetric = .chrf }
    XCTAssertTrue(chrF.recordEvaluation(metric: 40, bleu: 0))
    XCTAssertFalse(chrF.recordEvaluation(metric: 39, bleu: 0))
    XCTAssertTrue(chrF.recordEvaluation(metric: 41, bleu: 0))
    XCTAssertEqual(chrF.state.evaluationsWithoutImprovement, 0)
  }

  func testLearningRateIsReducedAfterEachPlateauDownToTheMinimum() throws {
    let t = try trainer {
      $0.evalMetric = .bleu
      $0.lrPatience = 2
      $0.lrReductionFactor = 0.5
      $0.minLearningRate = 0.003
    }
    var rates: [Double] = []
    for value in [10.0, 9, 9, 11, 8, 8, 8, 8, 8, 8] {
      _ = t.recordEvaluation(metric: value, bleu: value)
      rates.append(t.state.learningRate)
    }
    // Plateaus end at the 3rd and (after the improvement at the 4th) the 6th and 8th evaluations:
    // the first halves the rate, the second's 0.0025 is clipped to the minimum, the third changes
    // nothing.
    XCTAssertEqual(rates, [0.01, 0.01, 0.005, 0.005, 0.005, 0.003, 0.003, 0.003, 0.003, 0.003])
    XCTAssertEqual(t.state.evaluationsWithoutImprovement, 6)
  }

  // MARK: End to end

  func testRunStopsEarlyAndLogsChrFAndAER() throws {
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 5, trainCount: 400, devCount: 20, testCount: 0, minLength: 2, maxLength: 5,
      vocabularySize: 10)
    try corpus.write(to: directory + "/corpus")
    var model = ModelConfig()
    model.embeddingSize = 8
    model.hiddenSize = 8
    model.attentionSize = 8
    var data = DataConfig(train: directory + "/corpus/train.tsv", dev: directory + "/corpus/dev.tsv")
    data.devAlignments = directory + "/corpus/dev.align"
    var training = TrainingConfig()
    training.batchSize = 16
    training.epochs = 1000
    training.maxSteps = 200
    // Far too small a step to change greedy outputs: the dev AER cannot improve after the first
    // evaluation, so patience 2 ends the run at the third.
    training.learningRate = 1e-9
    training.evalEvery = 5
    training.evalMetric = .aer
    training.patience = 2
    training.checkpointDir = directory + "/checkpoints"
    var logging = LoggingConfig(runName: "early")
    logging.database = directory + "/log.sqlite"
    logging.probes = 1
    let trainer = Trainer(config: ExperimentConfig(model: model, data: data, training: training, logging: logging))
    var lines: [String] = []
    trainer.log = { lines.append($0) }
    let summary = try trainer.run()

    XCTAssertEqual(summary.steps, 15, lines.joined(separator: "\n"))
    XCTAssertTrue(lines.contains { $0.hasPrefix("early stopping: no better dev aer in 2 evaluations") })
    let log = try TrainingLog(path: directory + "/log.sqlite")
    let evaluations = try log.evaluations(runID: summary.runID)
    XCTAssertEqual(evaluations.map(\.step), [5, 10, 15])
    for evaluation in evaluations {
      XCTAssertNotNil(evaluation.chrF)
      XCTAssertEqual(evaluation.chrFSignature, ChrF().signature(referenceCount: 1))
      XCTAssertEqual(evaluation.bleuSignature, SacreBLEU().signature(referenceCount: 1))
      let aer = try XCTUnwrap(evaluation.aer)
      XCTAssert((0...1).contains(aer))
    }
  }

  func testTeacherForcedAttentionOfABatchIsEachSentencesOwn() throws {
    var config = ModelConfig()
    config.embeddingSize = 6
    config.hiddenSize = 5
    config.attentionSize = 4
    config.sourceVocabularySize = 12
    config.targetVocabularySize = 11
    let model = Seq2Seq(config: config, seed: 3)
    let pairs: [EncodedPair] = [
      EncodedPair(source: [4, 5, 6], target: [7, 8], index: 0),
      EncodedPair(source: [9], target: [4, 5, 6, 10], index: 1),
      EncodedPair(source: [11, 4, 5, 6, 7], target: [8], index: 2),
    ]
    let ws = Workspace()
    let batch = Batcher.batches(of: pairs, batchSize: 3)[0]
    _ = model.loss(batch: batch, workspace: ws)
    let together = Evaluator.teacherForcedAttention(batch: batch, workspace: ws)
    for (b, pair) in pairs.enumerated() {
      let single = Batcher.batches(of: [pair], batchSize: 1)[0]
      _ = model.loss(batch: single, workspace: ws)
      let alone = Evaluator.teacherForcedAttention(batch: single, workspace: ws)[0]
      XCTAssertEqual(together[b].count, pair.target.count, "one row per target word, </s> left out")
      XCTAssertEqual(alone.count, together[b].count)
      for (x, y) in zip(alone, together[b]) {
        XCTAssertEqual(x.count, pair.source.count)
        for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: 1e-5) }
      }
    }
  }
}
