import AttendData
import AttendModel

/// What every reader of an Attend checkpoint needs from its JSON header: the model, its
/// vocabularies and text preparation, and which run and step wrote it. Training writes more into
/// the same JSON object (the experiment config, the run's progress, the optimizer:
/// AttendTraining's `TrainingCheckpointHeader`), which this type reads past, so translation needs
/// nothing of training. docs/checkpoint-format.md, "Header", lists every field.
public struct CheckpointHeader: Codable, Equatable, Sendable {
  /// "attend-model": lets a reader reject a checkpoint of another kind with a clear message.
  public var kind: String = "attend-model"
  /// The model's shape, vocabulary sizes included.
  public var model: ModelConfig
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary
  public var runName: String
  public var step: Int
  public var epoch: Int
  /// Dev BLEU of the evaluation this checkpoint was written after.
  public var devBLEU: Double?
  /// The dev BLEU at the run's best `eval_metric` so far (`TrainingState.bleuAtBest`).
  public var bleuAtBest: Double?
  public var createdAt: String
  // Format version 2 (docs/checkpoint-format.md, "Header"). Optional, so version 1 headers,
  // which lack them, still decode.
  /// The evaluation this checkpoint was written after: what ranks it for `best` and `keep_best`.
  public var metric: CheckpointMetric? = nil
  /// Checkpoints written by `attend average`: the files averaged, in order.
  public var averagedFrom: [String]? = nil
  /// How text becomes the model's tokens and back (normalisation, lowercasing, punctuation
  /// splitting, subword merges), as training did it. Nil in checkpoints written before it was
  /// stored: those models saw whole words split at whitespace (`LoadedModel.preprocessing`).
  public var preprocessing: TextPreprocessing? = nil

  public init(
    model: ModelConfig, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary, runName: String, step: Int,
    epoch: Int, devBLEU: Double?, bleuAtBest: Double?, createdAt: String, metric: CheckpointMetric? = nil,
    averagedFrom: [String]? = nil, preprocessing: TextPreprocessing? = nil
  ) {
    self.model = model
    self.sourceVocabulary = sourceVocabulary
    self.targetVocabulary = targetVocabulary
    self.runName = runName
    self.step = step
    self.epoch = epoch
    self.devBLEU = devBLEU
    self.bleuAtBest = bleuAtBest
    self.createdAt = createdAt
    self.metric = metric
    self.averagedFrom = averagedFrom
    self.preprocessing = preprocessing
  }

  /// The property names as `StoredJSON` turns them into the file's snake_case keys. `bleuAtBest`
  /// keeps the key it had before it was named for what it holds (`best_bleu`), so checkpoints
  /// old and new read alike.
  enum CodingKeys: String, CodingKey, CaseIterable {
    case kind, model, sourceVocabulary, targetVocabulary, runName, step, epoch, devBLEU
    case bleuAtBest = "bestBLEU"
    case createdAt, metric, averagedFrom, preprocessing
  }
}

/// A trained model with everything needed to translate with it.
public struct LoadedModel {
  public let header: CheckpointHeader
  public let model: Seq2Seq
  /// The text preparation the model was trained with (whole words for older checkpoints).
  public let preprocessing: TextPreprocessing

  public init(header: CheckpointHeader, model: Seq2Seq, preprocessing: TextPreprocessing) {
    self.header = header
    self.model = model
    self.preprocessing = preprocessing
  }

  /// Lines to ids and ids to lines, exactly as in training.
  public var pipeline: TextPipeline {
    TextPipeline(
      preprocessing: preprocessing, sourceVocabulary: header.sourceVocabulary,
      targetVocabulary: header.targetVocabulary)
  }
}
