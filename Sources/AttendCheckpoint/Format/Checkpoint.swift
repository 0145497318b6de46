/// A checkpoint file's types and layout constants. Writing: CheckpointWriting.swift; reading and
/// validating: CheckpointReading.swift; the layout for users: docs/checkpoint-format.md.

/// One named array of Float32 values with its shape (row-major). Rank 0 holds one value.
public struct CheckpointTensor: Equatable {
  public var name: String
  public var shape: [Int]
  public var values: [Float]

  public init(name: String, shape: [Int], values: [Float]) {
    self.name = name
    self.shape = shape
    self.values = values
  }
}

/// What a checkpoint file holds, stored as the `kind` word of the file header so a reader can
/// refuse the wrong kind before looking inside.
public enum CheckpointKind: UInt32, CaseIterable, Sendable, CustomStringConvertible {
  /// Parameters only: enough to translate or export (written by `attend average`, and by
  /// format version 1).
  case model = 1
  /// Parameters, optimizer moments and the training state in the header: enough to resume.
  case training = 2

  public var description: String {
    switch self {
    case .model: return "model checkpoint"
    case .training: return "training checkpoint"
    }
  }
}

/// An Attend checkpoint: a UTF-8 JSON header (configuration, vocabularies, training state: the
/// caller's business) and named Float32 tensors. The byte layout is documented in
/// docs/checkpoint-format.md; this file is its implementation.
///
/// Layout summary (all integers little-endian):
///
///     0   "ATTENDCK"               magic, 8 bytes
///     8   UInt32 format version    2 (version 1 files are still read)
///     12  UInt32 kind              1 = model, 2 = training (see `CheckpointKind`)
///     then three sections, in order: header "HEAD", tensor table "TTAB", tensor data "DATA".
///     Each section: zero padding, a 16-byte section header (tag[4], UInt32 CRC-32 of the payload,
///     UInt64 payload length) and the payload, which starts at a multiple of 64.
///     The file ends where the tensor data payload ends.
///
/// Reading checks everything before trusting it, and never allocates more than the file holds.
public struct Checkpoint: Equatable {
  /// UTF-8 JSON; storage neither parses nor checks it.
  public var header: [UInt8]
  public var tensors: [CheckpointTensor]
  public var kind: CheckpointKind
  /// The layout version the file was read with; `write` always writes `formatVersion`.
  public internal(set) var version: UInt32 = Checkpoint.formatVersion

  public init(header: [UInt8], tensors: [CheckpointTensor], kind: CheckpointKind = .model) {
    self.header = header
    self.tensors = tensors
    self.kind = kind
  }

  public static let magic: [UInt8] = Array("ATTENDCK".utf8)
  /// The newest layout this build reads, and the one it writes.
  public static let formatVersion: UInt32 = 2
  /// The oldest layout this build still reads (version 1: the same bytes, model kind only).
  public static let oldestReadableVersion: UInt32 = 1
  /// Every section payload, and every tensor inside the data payload, starts at a multiple of this.
  static let alignment: UInt64 = 64
  static let fileHeaderSize: UInt64 = 16
  static let sectionHeaderSize: UInt64 = 16
  /// Tensor table `dtype` of little-endian IEEE-754 binary32.
  static let float32DType: UInt32 = 1
}

/// What `Checkpoint.readHeader` returns: the file header and the checked JSON header, without
/// reading the tensors.
public struct CheckpointHeaderBytes: Equatable {
  public var version: UInt32
  public var kind: CheckpointKind
  public var header: [UInt8]
  public var fileSize: UInt64
}

/// The three sections, in file order.
enum CheckpointSection {
  case header, tensorTable, tensorData

  var tag: [UInt8] {
    switch self {
    case .header: return Array("HEAD".utf8)
    case .tensorTable: return Array("TTAB".utf8)
    case .tensorData: return Array("DATA".utf8)
    }
  }

  var name: String {
    switch self {
    case .header: return "header section"
    case .tensorTable: return "tensor table section"
    case .tensorData: return "tensor data section"
    }
  }
}

/// Points in `write` where a test can inject a failure.
enum CheckpointWriteStage: CaseIterable {
  case temporaryFileCreated, headerWritten, dataWritten, beforeRename
}

/// `value` rounded up to a multiple of the alignment.
@inline(__always)
func aligned(_ value: UInt64) -> UInt64 {
  (value + Checkpoint.alignment - 1) / Checkpoint.alignment * Checkpoint.alignment
}
