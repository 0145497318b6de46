import AttendCheckpoint
import AttendKernels
import AttendModel
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// A throwaway directory with a tiny reverse-task corpus (written here, from a fixed seed) and a
/// config that trains a tiny model on it in well under a second: enough to exercise
/// checkpoints, evaluation, epochs, teacher forcing and dropout.
struct TinyExperiment {
  let directory: String

  init(_ test: XCTestCase, trainPairs: Int = 96, devPairs: Int = 8, seed: UInt64 = 11) throws {
    directory = NSTemporaryDirectory() + "attend-ckpt-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/corpus", withIntermediateDirectories: true)
    let path = directory
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    var rng = RandomGenerator(seed: seed)
    func lines(_ count: Int) -> String {
      (0..<count).map { _ in
        let words = (0..<(2 + rng.nextInt(below: 5))).map { _ in "w\(rng.nextInt(below: 9))" }
        return words.joined(separator: " ") + "\t" + words.reversed().joined(separator: " ")
      }.joined(separator: "\n") + "\n"
    }
    try lines(trainPairs).write(toFile: directory + "/corpus/train.tsv", atomically: true, encoding: .utf8)
    try lines(devPairs).write(toFile: directory + "/corpus/dev.tsv", atomically: true, encoding: .utf8)
  }

  /// Steps per epoch with the default batch size 16: 6, so 14 steps cross two epoch boundaries.
  func config(run: String, maxSteps: Int) -> ExperimentConfig {
    var model = ModelConfig()
    model.embeddingSize = 8
    model.hiddenSize = 8
    model.attentionSize = 8
    model.dropout = 0.1
    var training = TrainingConfig()
    training.batchSize = 16
    training.epochs = 100
    training.maxSteps = maxSteps
    training.learningRate = 0.01
    training.teacherForcing = 0.7
    training.evalEvery = 3
    training.lrPatience = 1
    training.lrReductionFactor = 0.8
    training.checkpointDir = directory + "/checkpoints"
    var logging = LoggingConfig(runName: run)
    logging.database = directory + "/log.sqlite"
    logging.logEvery = 1
    logging.probes = 1
    return ExperimentConfig(
      model: model, data: DataConfig(train: directory + "/corpus/train.tsv", dev: directory + "/corpus/dev.tsv"),
      training: training, logging: logging)
  }

  func runDirectory(_ run: String) -> String { directory + "/checkpoints/" + run }
}

extension XCTestCase {
  func silentTrainer(_ config: ExperimentConfig, resume: Bool = false, overwrite: Bool = false) -> Trainer {
    let trainer = Trainer(config: config)
    trainer.log = { _ in }
    trainer.progress = TrainingProgress(isTerminal: false, write: { _ in })
    trainer.resume = resume
    trainer.overwrite = overwrite
    return trainer
  }

  /// Every tensor's bit patterns, by name: equal means bit-for-bit equal parameters and moments.
  func tensorBits(_ path: String) throws -> [String: [UInt32]] {
    Dictionary(uniqueKeysWithValues: try Checkpoint.read(from: path).tensors.map { ($0.name, $0.values.map(\.bitPattern)) })
  }

  /// Writes `bytes` to `path` as a new file with plain stdio. Rewriting an existing file in place
  /// costs milliseconds on ext4 (truncating a file flushes it), too much for thousands of fuzz
  /// cases; unlinking it first costs microseconds.
  func writeQuickly(_ bytes: [UInt8], to path: String) throws {
    unlink(path)
    guard let file = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
    defer { fclose(file) }
    guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
      throw CocoaError(.fileWriteUnknown)
    }
  }

  /// The training state stored in a checkpoint.
  func trainingState(_ path: String) throws -> TrainingState {
    try XCTUnwrap(try ModelCheckpoint.readTrainingHeader(from: path).header.trainingState)
  }
}
