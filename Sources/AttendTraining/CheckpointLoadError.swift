import AttendStorage

/// Why a checkpoint cannot be used: loaded as a model, resumed from, averaged or exported. The
/// byte-level problems (truncation, checksums, version, kind) are `CheckpointError`s from
/// AttendStorage; these are the problems one level up, in what the bytes say. The description
/// starts with the file and says what to do, e.g.
/// `checkpoints/r/latest.ckpt: cannot resume: a model checkpoint holds no optimizer state …`.
public struct CheckpointLoadError: Error, CustomStringConvertible, Equatable {
  public enum Problem: Equatable {
    /// The JSON header is not JSON, or not an Attend model header; `detail` says where.
    case invalidHeader(String)
    /// The header's model description cannot belong to these tensors (sizes, vocabularies).
    case inconsistentModel(String)
    /// A tensor the model needs is absent.
    case missingTensor(String)
    /// A tensor has another shape than the model needs.
    case shapeMismatch(name: String, found: [Int], expected: [Int])
    /// A tensor that is neither a parameter of the model nor optimizer state.
    case unexpectedTensor(String)
    /// Resuming needs a training checkpoint; `reason` says what this file is instead.
    case notResumable(reason: String)
    /// The run's current config differs from the checkpoint's in keys that change training.
    case configMismatch([ConfigDifference])
    /// The training data is not what the checkpoint was trained on.
    case dataMismatch(String)
    /// `attend average`: the checkpoints are not of one model.
    case incompatible(other: String, detail: String)
    /// A run directory problem: nothing to resume, or checkpoints already there.
    case runDirectory(String)
  }

  /// The checkpoint file (or run directory) concerned.
  public let path: String
  public let problem: Problem

  public init(path: String, problem: Problem) {
    self.path = path
    self.problem = problem
  }

  public var description: String {
    switch problem {
    case .invalidHeader(let detail):
      return "\(path): invalid checkpoint header: \(detail)"
    case .inconsistentModel(let detail):
      return "\(path): the header does not describe the tensors: \(detail)"
    case .missingTensor(let name):
      return "\(path): tensor '\(name)' is missing"
    case .shapeMismatch(let name, let found, let expected):
      return "\(path): tensor '\(name)' has shape \(found), the model expects \(expected)"
    case .unexpectedTensor(let name):
      return "\(path): unexpected tensor '\(name)' (neither a model parameter nor optimizer state)"
    case .notResumable(let reason):
      return "\(path): cannot resume: \(reason)"
    case .configMismatch(let differences):
      let lines = differences.map { "  \($0.key): checkpoint \($0.checkpointValue), config \($0.configValue)" }
      return "\(path): cannot resume: the config changes settings that alter training:\n"
        + lines.joined(separator: "\n")
        + "\nput these values back to resume exactly, or start a new run (another --run-name)"
    case .dataMismatch(let detail):
      return "\(path): cannot resume: \(detail); resume with the same data, or start a new run"
    case .incompatible(let other, let detail):
      return "\(path) and \(other) are not checkpoints of the same model: \(detail)"
    case .runDirectory(let detail):
      return "\(path): \(detail)"
    }
  }
}

/// One config key whose value differs between a checkpoint and the current config.
public struct ConfigDifference: Equatable, Sendable {
  /// Dotted snake_case key path, e.g. "training.learning_rate".
  public var key: String
  public var checkpointValue: String
  public var configValue: String
}
