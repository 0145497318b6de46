import AttendCheckpoint
import AttendKernels
import AttendModel
import Foundation

/// A checkpoint read for training's purposes: the model and the whole header, and for training
/// checkpoints Adam's moments in the parameter store's flat layout.
public struct ReadTrainingCheckpoint {
  public var header: TrainingCheckpointHeader
  /// The model as translation loads it (`header.common` inside).
  public var loaded: LoadedModel
  public var kind: CheckpointKind
  public var version: UInt32
  /// The optimizer's state buffers by tensor-name prefix (`OptimizerState.tensorPrefixes`), each
  /// flat like `model.parameters.values`; nil for model checkpoints.
  public var optimizerBuffers: [String: [Float]]?

  /// Adam's moments.
  public var firstMoment: [Float]? { optimizerBuffers?[CheckpointTensorName.firstMomentPrefix] }
  public var secondMoment: [Float]? { optimizerBuffers?[CheckpointTensorName.secondMomentPrefix] }
}

extension ModelCheckpoint {
  /// Saves the model's parameters with `header` as a model checkpoint (kind 1: translate, export,
  /// average; no resume). Atomic. Training checkpoints: `saveTraining`.
  public static func save(_ model: Seq2Seq, header: TrainingCheckpointHeader, to path: String) throws {
    try write(parameters: model.parameters, header: encode(header), kind: .model, to: path)
  }

  /// Saves a training checkpoint (kind 2): parameters, the optimizer's settings and step
  /// (`optimizerState`) and its per-parameter state `optimizerBuffers` (named by prefix, in the
  /// parameters' layout), and `header`, whose `trainingState` must be set. This is what
  /// `attend train --resume` continues from.
  public static func saveTraining(
    _ model: Seq2Seq, optimizerState: OptimizerState, optimizerBuffers: [(prefix: String, buffer: FloatBuffer)],
    header: TrainingCheckpointHeader, to path: String
  ) throws {
    precondition(header.trainingState != nil, "a training checkpoint needs its training state")
    precondition(optimizerBuffers.map(\.prefix) == optimizerState.tensorPrefixes, "buffers as the state names them")
    var header = header
    header.optimizer = optimizerState
    try write(
      parameters: model.parameters, optimizerBuffers: optimizerBuffers, header: encode(header), kind: .training,
      to: path)
  }

  static func encode(_ header: TrainingCheckpointHeader) throws -> [UInt8] {
    Array(try StoredJSON.encoder().encode(header))
  }

  /// Reads and checks a checkpoint with its whole header: the header first (JSON, kind, the
  /// experiment and training state), then what `readModel` checks.
  public static func read(from path: String) throws -> ReadTrainingCheckpoint {
    try decode(Checkpoint.read(from: path), path: path)
  }

  /// `read` for a checkpoint already read from `path`. A training checkpoint must hold the state
  /// buffers its optimizer names (`OptimizerState.tensorPrefixes`).
  static func decode(_ checkpoint: Checkpoint, path: String) throws -> ReadTrainingCheckpoint {
    let header = try TrainingCheckpointHeader.decode(checkpoint.header, path: path)
    if checkpoint.kind == .training, let optimizer = header.optimizer, optimizer.tensorPrefixes == nil {
      throw CheckpointError(
        path: path,
        problem: .invalidHeader(
          "optimizer.name is '\(optimizer.name)', expected one of "
            + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")))
    }
    let read = try decodeModel(checkpoint, path: path)
    if read.kind == .training, let prefixes = header.optimizer?.tensorPrefixes,
      let first = read.loaded.model.parameters.infos.first?.name
    {
      for prefix in prefixes where read.optimizerBuffers[prefix] == nil {
        throw CheckpointError(path: path, problem: .missingTensor(prefix + first))
      }
    }
    return ReadTrainingCheckpoint(
      header: header, loaded: LoadedModel(header: header, model: read.loaded.model), kind: read.kind,
      version: read.version, optimizerBuffers: read.kind == .training ? read.optimizerBuffers : nil)
  }

  /// Reads only the header (no tensors), whole. The bytes are checked as far as the header
  /// section goes, the JSON fully.
  public static func readTrainingHeader(from path: String) throws -> (
    header: TrainingCheckpointHeader, kind: CheckpointKind, version: UInt32
  ) {
    let bytes = try Checkpoint.readHeader(from: path)
    return (try TrainingCheckpointHeader.decode(bytes.header, path: path), bytes.kind, bytes.version)
  }
}
