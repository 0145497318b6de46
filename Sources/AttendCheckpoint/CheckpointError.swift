#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a checkpoint could not be read, written, loaded as a model, resumed from, averaged or
/// exported: one error type for every checkpoint problem. The description starts with the file
/// (or run directory) and says what is wrong and, where there is a choice, what to do, e.g.
/// `checkpoints/x.ckpt: truncated: tensor data section needs 1,048,576 bytes, 12,345 remain` or
/// `checkpoints/r/latest.ckpt: cannot resume: a model checkpoint holds no optimizer state …`.
///
/// Two families of problems: the file's bytes are damaged or not a checkpoint (`isDamagedFile`:
/// an older file may still be good) and readable files whose content does not fit the use.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  public enum Problem: Equatable {
    // The bytes (Format/Checkpoint.swift, Format/SafeTensors.swift).
    /// A system call failed; the text says which and why.
    case io(String)
    case badMagic
    case newerVersion(found: UInt32, supported: UInt32)
    /// Older than the oldest version this build reads (`supported` is the newest it reads).
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// A `kind` word that `version` does not define.
    case unsupportedKind(UInt32, version: UInt32)
    /// `part` needs `needed` bytes but only `remaining` are left in the file.
    case truncated(part: String, needed: UInt64, remaining: UInt64)
    case checksumMismatch(section: String, stored: UInt32, computed: UInt32)
    /// A structurally invalid part: bad tag, non-zero padding, an impossible tensor table entry.
    case malformed(part: String, detail: String)
    case trailingBytes(UInt64)
    /// `write` refused a tensor whose shape and values disagree, or a bad name.
    case invalidTensor(name: String, detail: String)

    // What the bytes say (ModelLoading.swift, and training's resume and tools).
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

    /// True for problems with the bytes of the file (damaged, truncated, not a checkpoint, an
    /// I/O failure): a resume then falls back to an older step file, where a problem with what a
    /// readable file says would only repeat.
    public var isDamagedFile: Bool {
      switch self {
      case .io, .badMagic, .newerVersion, .unsupportedVersion, .unsupportedKind, .truncated, .checksumMismatch,
        .malformed, .trailingBytes, .invalidTensor:
        return true
      case .invalidHeader, .inconsistentModel, .missingTensor, .shapeMismatch, .unexpectedTensor, .notResumable,
        .configMismatch, .dataMismatch, .incompatible, .runDirectory:
        return false
      }
    }
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
    case .configMismatch(let differences):
      let lines = differences.map { "  \($0.key): checkpoint \($0.checkpointValue), config \($0.configValue)" }
      return "\(path): cannot resume: the config changes settings that alter training:\n"
        + lines.joined(separator: "\n")
        + "\nput these values back to resume exactly, or start a new run (another --run-name)"
    case .incompatible(let other, let detail):
      return "\(path) and \(other) are not checkpoints of the same model: \(detail)"
    default:
      return "\(path): \(problemDescription)"
    }
  }

  /// The description without the path in front.
  public var problemDescription: String {
    switch problem {
    case .io(let text):
      return text
    case .badMagic:
      return "not an Attend checkpoint (bad magic)"
    case .newerVersion(let found, let supported):
      return "format version \(found) is newer than this build supports (\(supported))"
    case .unsupportedVersion(let found, let supported):
      return "unsupported format version \(found) (this build reads versions "
        + "\(Checkpoint.oldestReadableVersion) to \(supported))"
    case .unsupportedKind(let kind, let version):
      let known = CheckpointKind.allCases.filter { version >= 2 || $0 == .model }
        .map { "\($0.rawValue) (\($0))" }.joined(separator: ", ")
      return "unsupported checkpoint kind \(kind) for format version \(version) (known kinds: \(known))"
    case .truncated(let part, let needed, let remaining):
      return "truncated: \(part) needs \(grouped(needed)) bytes, \(grouped(remaining)) remain"
    case .checksumMismatch(let section, let stored, let computed):
      return "checksum mismatch in \(section) (stored \(hex(stored)), computed \(hex(computed)))"
    case .malformed(let part, let detail):
      return "malformed \(part): \(detail)"
    case .trailingBytes(let count):
      return "\(grouped(count)) unexpected bytes after the tensor data section"
    case .invalidTensor(let name, let detail):
      return "cannot write tensor '\(name)': \(detail)"
    case .invalidHeader(let detail):
      return "invalid checkpoint header: \(detail)"
    case .inconsistentModel(let detail):
      return "the header does not describe the tensors: \(detail)"
    case .missingTensor(let name):
      return "tensor '\(name)' is missing"
    case .shapeMismatch(let name, let found, let expected):
      return "tensor '\(name)' has shape \(found), the model expects \(expected)"
    case .unexpectedTensor(let name):
      return "unexpected tensor '\(name)' (neither a model parameter nor optimizer state)"
    case .notResumable(let reason):
      return "cannot resume: \(reason)"
    case .configMismatch(let differences):
      return "cannot resume: the config changes \(differences.count) settings that alter training"
    case .dataMismatch(let detail):
      return "cannot resume: \(detail); resume with the same data, or start a new run"
    case .incompatible(let other, let detail):
      return "not a checkpoint of the same model as \(other): \(detail)"
    case .runDirectory(let detail):
      return detail
    }
  }

  /// An `.io` error from `errno`: "cannot <operation>: <strerror>".
  static func system(_ path: String, _ operation: String, errno code: Int32 = errno)
    -> CheckpointError
  {
    CheckpointError(path: path, problem: .io("cannot \(operation): \(String(cString: strerror(code)))"))
  }
}

/// One config key whose value differs between a checkpoint and the current config.
public struct ConfigDifference: Equatable, Sendable {
  /// Dotted snake_case key path, e.g. "training.learning_rate".
  public var key: String
  public var checkpointValue: String
  public var configValue: String

  public init(key: String, checkpointValue: String, configValue: String) {
    self.key = key
    self.checkpointValue = checkpointValue
    self.configValue = configValue
  }
}

/// 1048576 → "1,048,576".
public func grouped<Integer: BinaryInteger>(_ value: Integer) -> String {
  let digits = Array(String(value))
  var result = ""
  for (index, digit) in digits.enumerated() {
    if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
    result.append(digit)
  }
  return result
}

private func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
