import AttendCheckpoint
import AttendData
import AttendModel

/// A checkpoint header as training writes it: `CheckpointHeader` (what every reader needs: the
/// model, vocabularies, text preparation, run and step) and, in the same JSON object, the
/// experiment that trained the model and, in training checkpoints, the run's progress and the
/// optimizer's settings: everything `attend train --resume` needs besides the tensors. The
/// common fields read through as if they were this type's own (`header.step`).
@dynamicMemberLookup
public struct TrainingCheckpointHeader: Codable, Equatable, Sendable, StoredHeader {
  public var common: CheckpointHeader
  /// The resolved config of the run that wrote the checkpoint.
  public var experiment: ExperimentConfig
  /// Training checkpoints: the run's progress (step, data position, random states, schedule).
  public var trainingState: TrainingState? = nil
  /// Training checkpoints: the optimizer's settings and step; its moments are tensors.
  public var optimizer: OptimizerState? = nil
  /// Hash of the training pairs as ids: a resume refuses data that changed since.
  public var dataFingerprint: String? = nil
  /// The run's id in the training log (`logging.database`): a resume continues that run.
  public var runID: Int64? = nil

  public init(
    experiment: ExperimentConfig, model: ModelConfig, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary,
    runName: String, step: Int, epoch: Int, devBLEU: Double?, bleuAtBest: Double?, createdAt: String,
    metric: CheckpointMetric? = nil, trainingState: TrainingState? = nil, dataFingerprint: String? = nil,
    runID: Int64? = nil, preprocessing: TextPreprocessing? = nil
  ) {
    common = CheckpointHeader(
      model: model, sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary, runName: runName,
      step: step, epoch: epoch, devBLEU: devBLEU, bleuAtBest: bleuAtBest, createdAt: createdAt, metric: metric,
      preprocessing: preprocessing)
    self.experiment = experiment
    self.trainingState = trainingState
    self.dataFingerprint = dataFingerprint
    self.runID = runID
  }

  public subscript<Value>(dynamicMember keyPath: WritableKeyPath<CheckpointHeader, Value>) -> Value {
    get { common[keyPath: keyPath] }
    set { common[keyPath: keyPath] = newValue }
  }

  public var kind: String { common.kind }

  // One JSON object holds both parts: the common fields are encoded and decoded by
  // `CheckpointHeader` itself, these beside them (StoredJSON sorts the keys).
  enum CodingKeys: String, CodingKey {
    case experiment, trainingState, optimizer, dataFingerprint, runID
  }

  public init(from decoder: Swift.Decoder) throws {
    common = try CheckpointHeader(from: decoder)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    experiment = try container.decode(ExperimentConfig.self, forKey: .experiment)
    trainingState = try container.decodeIfPresent(TrainingState.self, forKey: .trainingState)
    optimizer = try container.decodeIfPresent(OptimizerState.self, forKey: .optimizer)
    dataFingerprint = try container.decodeIfPresent(String.self, forKey: .dataFingerprint)
    runID = try container.decodeIfPresent(Int64.self, forKey: .runID)
  }

  public func encode(to encoder: Swift.Encoder) throws {
    try common.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(experiment, forKey: .experiment)
    try container.encodeIfPresent(trainingState, forKey: .trainingState)
    try container.encodeIfPresent(optimizer, forKey: .optimizer)
    try container.encodeIfPresent(dataFingerprint, forKey: .dataFingerprint)
    try container.encodeIfPresent(runID, forKey: .runID)
  }

  /// Decodes a stored header; fields added after a header was written read as today's defaults
  /// (`StoredJSON.decodeHeader`).
  static func decode(_ bytes: [UInt8], path: String) throws -> TrainingCheckpointHeader {
    let header = try StoredJSON.decodeHeader(TrainingCheckpointHeader.self, bytes, path: path, defaults: defaultObjects)
    if let problem = header.rangeProblem() { throw CheckpointError(path: path, problem: .invalidHeader(problem)) }
    return header
  }

  /// The current defaults of the header's nested objects that need merging, as JSON objects:
  /// the training state (the config sections read keys they lack as their declared defaults,
  /// DeclaredConfig).
  nonisolated(unsafe) private static let defaultObjects: [(String, Any)] = [
    (
      "training_state",
      StoredJSON.defaultObject(
        TrainingState(
          batcher: BatcherState(epoch: 0, position: 0, randomState: [0, 0, 0, 0], batches: []),
          randomState: [0, 0, 0, 0], learningRate: 0))
    )
  ]
}

/// The optimizers Attend trains with: `training.optimizer` and the header's `optimizer.name`.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
  /// Adam (Kingma & Ba 2015), β1 0.9, β2 0.999, ε 1e-8.
  case adam
  /// Plain stochastic gradient descent with optional momentum (Luong et al. 2015 used it with
  /// momentum 0 and the learning rate halved every epoch after the fifth).
  case sgd
}

/// The optimizer's settings and step count (Optimizer.checkpointState); its per-parameter state
/// buffers are tensors (`tensorPrefixes`). Settings of the other optimizer are absent.
public struct OptimizerState: Codable, Equatable, Sendable {
  /// `training.optimizer`: "adam" or "sgd".
  public var name: String
  public var step: Int
  /// Adam's settings.
  public var beta1: Float?
  public var beta2: Float?
  public var epsilon: Float?
  /// SGD's momentum.
  public var momentum: Float?

  public init(
    name: String, step: Int, beta1: Float? = nil, beta2: Float? = nil, epsilon: Float? = nil, momentum: Float? = nil
  ) {
    self.name = name
    self.step = step
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.momentum = momentum
  }

  /// The name prefixes of the state tensors a checkpoint holds for this optimizer, in order; nil
  /// for an optimizer this build does not know.
  public var tensorPrefixes: [String]? {
    switch OptimizerKind(rawValue: name) {
    case .adam: return [CheckpointTensorName.firstMomentPrefix, CheckpointTensorName.secondMomentPrefix]
    case .sgd: return (momentum ?? 0) > 0 ? [CheckpointTensorName.momentumBufferPrefix] : []
    case nil: return nil
    }
  }
}

extension LoadedModel {
  /// A model with a header as training wrote it (old headers without `preprocessing` translate
  /// whole words, lowercased as the experiment's `data.lowercase` said).
  public init(header: TrainingCheckpointHeader, model: Seq2Seq) {
    self.init(
      header: header.common, model: model,
      preprocessing: header.preprocessing ?? .wholeWords(lowercase: header.experiment.data.lowercase))
  }
}
