import AttendModel
import Foundation

// The experiment configuration: one YAML file per run, four sections. The YAML keys are the
// snake_case forms of the property names below (`hiddenSize` ↔ `hidden_size`); the defaults written
// here are the only defaults (the loader starts from these values and overrides what the file sets).
// Reading and validation live in ConfigLoader.swift, errors in ConfigError.swift, and the user-facing
// table in docs/config-reference.md.
//
// Paths: relative paths in `data`, `training` and `logging` are resolved against the current working
// directory of the process (not the config file's directory), so run `attend` from the repository root.

/// Where the corpora are and how they are turned into training pairs.
public struct DataConfig: Codable, Equatable, Sendable {
  /// Training corpus: TSV, `source tokens<TAB>target tokens` per line. Required.
  public var train: String
  /// Development corpus (same format), used for evaluation during training. Required.
  public var dev: String
  /// Test corpus (same format), for `attend evaluate`. Optional.
  public var test: String? = nil
  /// Gold word alignments for `dev` in Pharaoh format (`i-j` sure, `i?j` possible), one line per pair.
  public var devAlignments: String? = nil
  /// Lowercase both sides before building vocabularies.
  public var lowercase: Bool = false
  /// Training pairs with more tokens than this on either side are dropped (dev/test are kept whole).
  public var maxLength: Int = 50
  /// Words seen fewer times than this in training become <unk>.
  public var minFrequency: Int = 1
  /// Keep at most this many words per side, most frequent first (0 = no limit).
  public var maxVocabulary: Int = 0

  public init(train: String, dev: String) {
    self.train = train
    self.dev = dev
  }
}

/// The optimisation: batching, schedule, stopping, evaluation cadence, decoding limit, checkpoints.
public struct TrainingConfig: Codable, Equatable, Sendable {
  /// Seed for initialisation, shuffling and teacher-forcing coin flips.
  public var seed: UInt64 = 1
  /// Sentence pairs per batch (B).
  public var batchSize: Int = 64
  /// Passes over the training data.
  public var epochs: Int = 10
  /// Stop after this many optimiser steps (0 = no limit).
  public var maxSteps: Int = 0
  /// Stop after this many minutes of wall-clock time (0 = no limit).
  public var timeLimitMinutes: Double = 0
  /// Adam's step size.
  public var learningRate: Double = 0.001
  /// Rescale gradients whose global L2 norm exceeds this (0 disables clipping).
  public var clipNorm: Double = 1.0
  /// Probability of feeding the gold previous word to the decoder rather than its own prediction.
  public var teacherForcing: Double = 1.0
  /// Evaluate on dev (loss, BLEU, attention probes) every this many steps.
  public var evalEvery: Int = 500
  /// Greedy decoding stops after `maxOutputRatio × source length + 5` tokens.
  public var maxOutputRatio: Double = 2.0
  /// Worker threads for the numeric kernels.
  public var threads: Int = 2
  /// Directory for checkpoints; a run writes to `checkpointDir/<run_name>/`.
  public var checkpointDir: String = "checkpoints"

  public init() {}
}

/// What the run is called and where its log goes.
public struct LoggingConfig: Codable, Equatable, Sendable {
  /// The run's name in the database and its checkpoint directory (default: the config file's name).
  public var runName: String
  /// SQLite database that records runs, metrics and attention probes.
  public var database: String = "runs/attend.sqlite"
  /// Log training loss every this many steps.
  public var logEvery: Int = 50
  /// Number of dev sentences whose attention matrices are logged at every evaluation.
  public var probes: Int = 3

  public init(runName: String) {
    self.runName = runName
  }
}

/// A whole experiment: model shape, data, optimisation and logging.
public struct ExperimentConfig: Codable, Equatable, Sendable {
  /// Sizes and choices that fix the model's shape (vocabulary sizes are filled in from the data).
  public var model: ModelConfig
  /// Corpora and preprocessing.
  public var data: DataConfig
  /// Optimisation and stopping.
  public var training: TrainingConfig
  /// Run name and log destination.
  public var logging: LoggingConfig

  public init(
    model: ModelConfig = ModelConfig(), data: DataConfig,
    training: TrainingConfig = TrainingConfig(), logging: LoggingConfig
  ) {
    self.model = model
    self.data = data
    self.training = training
    self.logging = logging
  }

  /// The resolved configuration as JSON with sorted snake_case keys: stored with each run in the
  /// database and in every checkpoint. Unset optional paths are left out. Read back with `init(json:)`.
  public func jsonString() -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    // Every stored property is a finite number, a string, a bool or an enum: encoding cannot fail.
    let data = try! encoder.encode(self)
    return String(decoding: data, as: UTF8.self)
  }

  /// Reads a configuration written by `jsonString()` (from the database or a checkpoint).
  public init(json: String) throws {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    self = try decoder.decode(ExperimentConfig.self, from: Data(json.utf8))
  }
}
