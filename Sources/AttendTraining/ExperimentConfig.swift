import AttendData
import AttendModel
import Foundation

// The experiment configuration: one YAML file per run, four sections. The YAML keys are the
// snake_case forms of the property names below (`hiddenSize` ↔ `hidden_size`), declared with their
// types, ranges and docs in ExperimentConfigKeys.swift and AttendModel/ModelConfigKeys.swift. The
// initial values written here are the only defaults (the loader starts from these values and
// overrides what the file sets; a few keys derive theirs from other keys). Reading lives in
// ConfigLoader.swift, errors in ConfigError.swift; docs/config-reference.md is generated from the
// declarations (ConfigReference.swift).
//
// Paths: relative paths in `data`, `training` and `logging` are resolved against the current working
// directory of the process (not the config file's directory), so run `attend` from the repository root.

/// Where the corpora are and how they are turned into training pairs: reading (TSV or line-parallel
/// files, bad lines), the dev/test split, text preparation (normalisation, punctuation, subwords),
/// length filtering, vocabularies and batching. TrainingData.swift runs it; docs/data.md explains it.
public struct DataConfig: Equatable, Sendable {
  /// Training corpus: a TSV file (`source<TAB>target` per line, see `sourceColumn`), or, with
  /// `trainTarget`, the source-side file of two line-parallel plain-text files. Required.
  public var train: String
  /// The target-side file parallel to `train` (Moses style: `train.en` + `train.fr`); nil when
  /// `train` is TSV.
  public var trainTarget: String? = nil
  /// Development corpus, in the same form as `train`, evaluated during training; nil when
  /// `devSize` carves the dev set off `train`.
  public var dev: String?
  /// The target-side file parallel to `dev` (when `trainTarget` is set).
  public var devTarget: String? = nil
  /// Test corpus in the same form, for `attend eval`; nil: none, or carved off by `testSize`.
  public var test: String? = nil
  /// The target-side file parallel to `test` (when `trainTarget` is set).
  public var testTarget: String? = nil
  /// 0-based TSV column of the source side; other columns are ignored. Swapping `sourceColumn`
  /// and `targetColumn` swaps the translation direction.
  public var sourceColumn: Int = 0
  /// 0-based TSV column of the target side.
  public var targetColumn: Int = 1
  /// Without `dev`: this many pairs are carved off `train` as the dev set, deterministically for
  /// `splitSeed`, keeping pairs with the same source sentence on one side (DataSplit).
  public var devSize: Int = 0
  /// Without `test`: this many pairs are carved off `train` as a test set and never trained on
  /// (`attend corpus split` writes the same split to files).
  public var testSize: Int = 0
  /// Seed of the dev/test carving.
  public var splitSeed: UInt64 = 1
  /// A line that cannot be a pair (invalid UTF-8, no tab, a missing column, an empty side):
  /// `error` stops with the file and line; `skip` leaves it out, counts it and reports it.
  public var badLines: BadLinePolicy = .error
  /// Gold word alignments for `dev` in Pharaoh format (`i-j` sure, `i?j` possible), one line per pair.
  public var devAlignments: String? = nil
  /// Unicode normalisation of every line: none, nfc (composed accents) or nfkc (also folds
  /// compatibility variants such as ligatures and full-width letters).
  public var normalization: UnicodeNormalization = .nfc
  /// Lowercase both sides.
  public var lowercase: Bool = false
  /// Split punctuation from words, reversibly (joiner marks), so `Run!` is `Run ￭!` and the
  /// output is detokenised back to `Run!`.
  public var splitPunctuation: Bool = false
  /// Byte-pair-encoding merges learned from the training data (0 = whole words).
  public var merges: Int = 0
  /// Learn one set of merges from both sides together (true) or one per side (false).
  public var jointMerges: Bool = true
  /// Training pairs with fewer model tokens than this on a side are dropped.
  public var minLength: Int = 1
  /// Pairs with more model tokens than this on a side are dropped (training and dev).
  public var maxLength: Int = 50
  /// Per-side overrides of `minLength` / `maxLength` (nil: the shared value).
  public var minSourceLength: Int? = nil
  public var maxSourceLength: Int? = nil
  public var minTargetLength: Int? = nil
  public var maxTargetLength: Int? = nil
  /// Tokens seen fewer times than this in training become <unk>.
  public var minFrequency: Int = 1
  /// Keep at most this many tokens per side, most frequent first, specials included (0 = no limit).
  public var maxVocabulary: Int = 0
  /// Token-based batching: pairs per batch chosen so that a batch holds at most this many padded
  /// tokens (0 = sentence batching with `training.batch_size`).
  public var batchTokens: Int = 0
  /// Batch sentences of similar length together (less padding).
  public var bucketing: Bool = true

  public init(train: String, dev: String?) {
    self.train = train
    self.dev = dev
  }

  /// The limits of the length filter, per side.
  public var lengthLimits: LengthLimits {
    LengthLimits(
      minSource: minSourceLength ?? minLength, maxSource: maxSourceLength ?? maxLength,
      minTarget: minTargetLength ?? minLength, maxTarget: maxTargetLength ?? maxLength)
  }

  /// How the split at `path` (with its target-side file `target`) is read; nil without `path`.
  public func corpus(_ path: String?, target: String?) -> CorpusSource? {
    guard let path else { return nil }
    if let target { return .parallel(source: path, target: target) }
    return .tsv(path: path, sourceColumn: sourceColumn, targetColumn: targetColumn)
  }
}

/// The optimisation: batching, schedule, stopping, evaluation cadence, decoding limit, checkpoints.
public struct TrainingConfig: Equatable, Sendable {
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
  /// The optimizer: adam or sgd (Optimizer.swift).
  public var optimizer: OptimizerKind = .adam
  /// The step size; when the file does not set it, 0.001 with adam and 1.0 with sgd.
  public var learningRate: Double = 0.001
  /// SGD's momentum μ, in [0, 1) (0: plain SGD, as Luong et al. 2015).
  public var momentum: Double = 0
  /// Rescale gradients whose global L2 norm exceeds this (0 disables clipping).
  public var clipNorm: Double = 1.0
  /// Probability of feeding the gold previous word to the decoder rather than its own prediction.
  public var teacherForcing: Double = 1.0
  /// Evaluate on dev (loss, BLEU, attention probes) every this many steps.
  public var evalEvery: Int = 500
  /// Greedy decoding stops after `maxOutputRatio × source length + 5` tokens.
  public var maxOutputRatio: Double = 2.0
  /// Threads for the numeric kernels: the calling thread plus `KernelThread`'s one helper, so 2
  /// splits large products, the decoder's small ones, Adam and clipping over two cores and more
  /// than 2 acts as 2 (the product library itself always runs single-threaded; BLAS.swift says why).
  public var threads: Int = 2
  /// Directory for checkpoints; a run writes to `checkpointDir/<run_name>/`.
  public var checkpointDir: String = "checkpoints"
  /// Step checkpoints kept besides the best ones: the newest this many (`latest` is the newest).
  public var keepLast: Int = 2
  /// Step checkpoints kept for their dev metric: the best this many (`best` is the best).
  public var keepBest: Int = 1
  /// The dev metric that picks the best checkpoint and drives early stopping and the
  /// learning-rate reduction: bleu, chrf, dev_loss or aer (aer needs `data.devAlignments`).
  public var evalMetric: EvalMetric = .bleu
  /// Stop after this many evaluations in a row without a better `evalMetric` (0 = never stop early).
  public var patience: Int = 0
  /// On a plateau, multiply the learning rate by this factor, in (0, 1].
  public var lrReductionFactor: Double = 0.5
  /// A plateau is this many evaluations in a row without improvement (0 = never reduce).
  public var lrPatience: Int = 0
  /// The learning rate is never reduced below this.
  public var minLearningRate: Double = 0
  /// From the end of this epoch on, the learning rate is multiplied by `lrDecayFactor` at the
  /// end of every epoch (0 = never): Luong et al. 2015 halved it every epoch after the fifth.
  public var lrDecayStartEpoch: Int = 0
  /// The factor of that per-epoch decay, in (0, 1].
  public var lrDecayFactor: Double = 0.5

  public init() {}
}

/// What the run is called and where its log goes.
public struct LoggingConfig: Equatable, Sendable {
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

  /// The resolved configuration as JSON with sorted snake_case keys, as the training log stores it
  /// with each run (checkpoint headers hold the same keys, written by StoredJSON). Unset optional
  /// keys (paths, per-side length limits) are left out. Read back with `init(json:)`.
  public func jsonString() -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    // Every stored property is a finite number, a string, a bool or an enum: encoding cannot fail.
    let data = try! encoder.encode(self)
    return String(decoding: data, as: UTF8.self)
  }

  /// Reads a configuration written by `jsonString()` (from the training log's `runs.config`).
  public init(json: String) throws {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    self = try decoder.decode(ExperimentConfig.self, from: Data(json.utf8))
  }
}
