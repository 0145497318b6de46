import AttendData
import AttendModel
import AttendStorage
import Foundation

/// What an Attend checkpoint's JSON header holds besides the tensors.
public struct CheckpointHeader: Codable, Equatable, Sendable {
  /// "attend-model": lets a reader reject a checkpoint of another kind with a clear message.
  public var kind: String = "attend-model"
  public var experiment: ExperimentConfig
  /// The model's shape, vocabulary sizes included.
  public var model: ModelConfig
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary
  public var runName: String
  public var step: Int
  public var epoch: Int
  public var devBLEU: Double?
  public var bestBLEU: Double?
  public var createdAt: String
  // Format version 2 (docs/checkpoint-format.md, "Header"). Optional, so version 1 headers,
  // which lack them, still decode.
  /// The evaluation this checkpoint was written after: what ranks it for `best` and `keep_best`.
  public var metric: CheckpointMetric? = nil
  /// Training checkpoints: the run's progress (step, data position, random states, schedule).
  public var trainingState: TrainingState? = nil
  /// Training checkpoints: the optimizer's settings and step; its moments are tensors.
  public var optimizer: OptimizerState? = nil
  /// Hash of the training pairs as ids: a resume refuses data that changed since.
  public var dataFingerprint: String? = nil
  /// The run's id in the training log (`logging.database`): a resume continues that run.
  public var runID: Int64? = nil
  /// Checkpoints written by `attend average`: the files averaged, in order.
  public var averagedFrom: [String]? = nil
  /// How text becomes the model's tokens and back (normalisation, lowercasing, punctuation
  /// splitting, subword merges), as training did it. Nil in checkpoints written before it was
  /// stored: those models saw whole words split at whitespace (`LoadedModel.preprocessing`).
  public var preprocessing: TextPreprocessing? = nil
}

/// A trained model with everything needed to translate with it.
public struct LoadedModel {
  public let header: CheckpointHeader
  public let model: Seq2Seq
  public var tokenizer: Tokenizer { preprocessing.source.tokenizer }
  /// The text preparation the model was trained with (whole words for older checkpoints).
  public var preprocessing: TextPreprocessing {
    header.preprocessing ?? .wholeWords(lowercase: header.experiment.data.lowercase)
  }
  /// Lines to ids and ids to lines, exactly as in training.
  public var pipeline: TextPipeline {
    TextPipeline(
      preprocessing: preprocessing, sourceVocabulary: header.sourceVocabulary,
      targetVocabulary: header.targetVocabulary)
  }
}

public enum ModelCheckpoint {
  /// Saves the model's parameters (tensor names as in the parameter store) with `header` as a
  /// model checkpoint (kind 1: translate, export, average; no resume). Atomic: an existing file
  /// at `path` is replaced only by a complete new one. Training checkpoints: `saveTraining`.
  public static func save(_ model: Seq2Seq, header: CheckpointHeader, to path: String) throws {
    try write(parameters: model.parameters, header: header, kind: .model, to: path)
  }

  /// Loads a model or training checkpoint of any readable format version for translation,
  /// checking the header against the tensors and every tensor the model needs (see
  /// CheckpointLoading.swift).
  public static func load(from path: String) throws -> LoadedModel {
    try read(from: path, moments: false).loaded
  }
}
