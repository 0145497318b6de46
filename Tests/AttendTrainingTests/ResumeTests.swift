import AttendKernels
import AttendModel
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// `attend train --resume`: stopping and resuming changes nothing, and a resume that could not be
/// exact is refused with a message saying why.
final class ResumeTests: XCTestCase {
  override func setUpWithError() throws {
    try BLAS.load()
  }

  /// 7 steps, stop (between the evaluations at 6 and 9, in the second epoch), resume to 14:
  /// parameters, Adam's moments and the training state equal those of 14 steps in one go, bit for
  /// bit. Teacher forcing < 1 and dropout draw random numbers every step; the learning rate is
  /// reduced on plateaus, so the schedule state matters too.
  func testStoppingAndResumingGivesBitIdenticalParametersToOneRun() throws {
    let x = try TinyExperiment(self)
    let whole = try silentTrainer(x.config(run: "whole", maxSteps: 14)).run()
    let first = try silentTrainer(x.config(run: "split", maxSteps: 7)).run()
    XCTAssertEqual(first.steps, 7)
    let stopped = try trainingState(first.latestCheckpoint)
    XCTAssertEqual(stopped.step, 7)
    XCTAssertEqual(stopped.lastEvaluatedStep, 6, "the checkpoint keeps the state from before the stop's evaluation")
    let second = try silentTrainer(x.config(run: "split", maxSteps: 14), resume: true).run()
    XCTAssertEqual(second.steps, 14)

    let expected = try tensorBits(whole.latestCheckpoint)
    XCTAssertEqual(expected.count, 3 * expected.keys.filter { !$0.hasPrefix("optimizer.") }.count)
    XCTAssertEqual(try tensorBits(second.latestCheckpoint), expected, "parameters and moments")
    var a = try trainingState(whole.latestCheckpoint)
    var b = try trainingState(second.latestCheckpoint)
    (a.trainingSeconds, b.trainingSeconds) = (0, 0)
    XCTAssertEqual(b, a, "data position, random states, schedule, best metric")
    XCTAssertLessThan(a.learningRate, 0.01, "a plateau reduced the learning rate: the schedule was exercised")
    XCTAssertEqual(first.losses + second.losses, whole.losses, "every step's loss")
  }

  /// The same with SGD, momentum and the per-epoch decay (6 steps an epoch): stopped at step 6,
  /// when the epoch has ended but its decay is not yet applied, and resumed to 14. Parameters,
  /// momentum buffers and the schedule equal those of one run, bit for bit.
  func testStoppingAndResumingSGDGivesBitIdenticalParametersToOneRun() throws {
    let x = try TinyExperiment(self)
    func sgd(_ run: String, _ maxSteps: Int) -> ExperimentConfig {
      var config = x.config(run: run, maxSteps: maxSteps)
      config.training.optimizer = .sgd
      config.training.learningRate = 0.5
      config.training.momentum = 0.9
      config.training.lrDecayStartEpoch = 1
      config.training.lrDecayFactor = 0.5
      return config
    }
    let whole = try silentTrainer(sgd("whole", 14)).run()
    let first = try silentTrainer(sgd("split", 6)).run()
    let stopped = try trainingState(first.latestCheckpoint)
    XCTAssertEqual(stopped.batcher.epoch, 1)
    XCTAssertEqual(stopped.epochDecays, 0, "the first epoch's decay comes before step 7")
    let second = try silentTrainer(sgd("split", 14), resume: true).run()
    XCTAssertEqual(second.steps, 14)

    let expected = try tensorBits(whole.latestCheckpoint)
    XCTAssertEqual(expected.count, 2 * expected.keys.filter { !$0.hasPrefix("optimizer.") }.count)
    XCTAssertTrue(expected.keys.contains { $0.hasPrefix("optimizer.momentum_buffer.") })
    XCTAssertEqual(try tensorBits(second.latestCheckpoint), expected, "parameters and momentum buffers")
    var a = try trainingState(whole.latestCheckpoint)
    var b = try trainingState(second.latestCheckpoint)
    (a.trainingSeconds, b.trainingSeconds) = (0, 0)
    XCTAssertEqual(b, a, "data position, random states, schedule, best metric")
    XCTAssertEqual(a.epochDecays, 2, "decays after epochs 1 and 2")
    XCTAssertLessThanOrEqual(a.learningRate, 0.125, "two halvings (and any plateau reductions)")
    XCTAssertEqual(first.losses + second.losses, whole.losses, "every step's loss")
    XCTAssertEqual(try ModelCheckpoint.readHeader(from: whole.latestCheckpoint).header.optimizer?.name, "sgd")
  }

  func testResumeFallsBackToAnOlderStepFileWhenTheNewestIsDamaged() throws {
    let x = try TinyExperiment(self)
    let whole = try silentTrainer(x.config(run: "whole", maxSteps: 10)).run()
    let first = try silentTrainer(x.config(run: "damaged", maxSteps: 7)).run()
    // Break the newest file (step 7); step 6 is still there (keep_last 2).
    let newest = try FileManager.default.destinationOfSymbolicLink(atPath: first.latestCheckpoint)
    XCTAssertEqual(newest, "step-00000007.ckpt")
    let path = x.runDirectory("damaged") + "/" + newest
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[bytes.count - 5] ^= 0x10
    try Data(bytes).write(to: URL(fileURLWithPath: path))

    var messages: [String] = []
    let trainer = silentTrainer(x.config(run: "damaged", maxSteps: 10), resume: true)
    trainer.log = { messages.append($0) }
    let second = try trainer.run()
    XCTAssertTrue(messages.contains { $0.contains("skipped a damaged checkpoint") && $0.contains("checksum mismatch") })
    XCTAssertTrue(messages.contains { $0.hasPrefix("resumed from \(x.runDirectory("damaged"))/step-00000006.ckpt") })
    XCTAssertEqual(try tensorBits(second.latestCheckpoint), try tensorBits(whole.latestCheckpoint))
  }

  func testResumeRefusesAConfigThatChangesTrainingAndNamesTheKeys() throws {
    let x = try TinyExperiment(self)
    _ = try silentTrainer(x.config(run: "r", maxSteps: 3)).run()
    var changed = x.config(run: "r", maxSteps: 6)
    changed.training.learningRate = 0.02
    changed.training.batchSize = 8
    changed.model.dropout = 0.2
    changed.logging.logEvery = 5  // logging may change
    XCTAssertThrowsError(try silentTrainer(changed, resume: true).run()) { error in
      guard let error = error as? CheckpointLoadError, case .configMismatch(let differences) = error.problem else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(differences.map(\.key), ["model.dropout", "training.batch_size", "training.learning_rate"])
      XCTAssertEqual(differences.last?.checkpointValue, "0.01")
      XCTAssertEqual(differences.last?.configValue, "0.02")
      XCTAssertTrue(error.description.contains("cannot resume"), error.description)
      XCTAssertTrue(error.description.contains("  training.learning_rate: checkpoint 0.01, config 0.02"), error.description)
    }
  }

  func testResumeRefusesChangedTrainingData() throws {
    let x = try TinyExperiment(self)
    _ = try silentTrainer(x.config(run: "r", maxSteps: 3)).run()
    // The same pairs in another order: same vocabularies, different data order.
    let path = x.directory + "/corpus/train.tsv"
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    try (lines.reversed().joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try silentTrainer(x.config(run: "r", maxSteps: 6), resume: true).run()) {
      guard let error = $0 as? CheckpointLoadError, case .dataMismatch(let detail) = error.problem else {
        return XCTFail("\($0)")
      }
      XCTAssertEqual(detail, "the train pairs differ from those the checkpoint was trained on")
    }
  }

  func testAFreshRunRefusesADirectoryWithCheckpointsUnlessOverwriting() throws {
    let x = try TinyExperiment(self)
    _ = try silentTrainer(x.config(run: "r", maxSteps: 3)).run()
    let before = try FileManager.default.contentsOfDirectory(atPath: x.runDirectory("r")).sorted()
    XCTAssertThrowsError(try silentTrainer(x.config(run: "r", maxSteps: 3)).run()) {
      let text = "\($0)"
      XCTAssertTrue(text.contains("already holds checkpoints of a run named 'r' (newest at step 3)"), text)
      XCTAssertTrue(text.contains("--resume") && text.contains("--overwrite") && text.contains("--run-name"), text)
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: x.runDirectory("r")).sorted(), before)
    let again = try silentTrainer(x.config(run: "r", maxSteps: 2), overwrite: true).run()
    XCTAssertEqual(try trainingState(again.latestCheckpoint).step, 2)
    XCTAssertFalse(FileManager.default.fileExists(atPath: x.runDirectory("r") + "/step-00000003.ckpt"))
  }

  func testResumeWithoutACheckpointSaysThereIsNothingToResume() throws {
    let x = try TinyExperiment(self)
    XCTAssertThrowsError(try silentTrainer(x.config(run: "none", maxSteps: 3), resume: true).run()) {
      XCTAssertEqual(
        "\($0)",
        "\(x.runDirectory("none")): holds no checkpoint to resume from; train without --resume to start the run")
    }
  }

  func testResumeFromAVersion1CheckpointIsRefusedWithTheReason() throws {
    let x = try TinyExperiment(self)
    try FileManager.default.createDirectory(atPath: x.runDirectory("old"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: CheckpointLoadingTests.version1Fixture, toPath: x.runDirectory("old") + "/latest.ckpt")
    XCTAssertThrowsError(try silentTrainer(x.config(run: "old", maxSteps: 3), resume: true).run()) {
      guard let error = $0 as? CheckpointLoadError, case .notResumable(let reason) = error.problem else {
        return XCTFail("\($0)")
      }
      XCTAssertTrue(reason.hasPrefix("it was written in format version 1, which holds no optimizer"), reason)
    }
  }

  func testAResumedRunContinuesUnderItsIdInTheTrainingLog() throws {
    let x = try TinyExperiment(self)
    let first = try silentTrainer(x.config(run: "logged", maxSteps: 4)).run()
    let second = try silentTrainer(x.config(run: "logged", maxSteps: 8), resume: true).run()
    XCTAssertEqual(second.runID, first.runID)
    let log = try TrainingLog(path: x.directory + "/log.sqlite")
    let runs = try log.runs().filter { $0.name == "logged" }
    XCTAssertEqual(runs.count, 1)
    XCTAssertEqual(runs.first?.status, .completed)
    XCTAssertEqual(try log.steps(runID: first.runID).map(\.step).suffix(4), [5, 6, 7, 8])
  }
}
