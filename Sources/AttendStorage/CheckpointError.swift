#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a checkpoint could not be read or written. The description names the file and the problem,
/// e.g. `checkpoints/x.ckpt: truncated: tensor data section needs 1,048,576 bytes, 12,345 remain`.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  public enum Problem: Equatable {
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
  }

  public let path: String
  public let problem: Problem

  public init(path: String, problem: Problem) {
    self.path = path
    self.problem = problem
  }

  public var description: String { "\(path): \(problemDescription)" }

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
    }
  }

  /// An `.io` error from `errno`: "cannot <operation>: <strerror>".
  static func system(_ path: String, _ operation: String, errno code: Int32 = errno)
    -> CheckpointError
  {
    CheckpointError(path: path, problem: .io("cannot \(operation): \(String(cString: strerror(code)))"))
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
