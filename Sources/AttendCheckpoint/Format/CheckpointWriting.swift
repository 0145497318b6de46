#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import AttendStorage

extension Checkpoint {
  /// Writes `checkpoint` to `path` atomically (`AtomicFile`): a temporary file in the same
  /// directory is written, fsynced and renamed over `path`, then the directory is fsynced. If
  /// anything fails, `path` keeps its previous content and the temporary file is removed. The
  /// directory must exist.
  public static func write(_ checkpoint: Checkpoint, to path: String) throws {
    try write(checkpoint, to: path, injectingFailure: { _ in })
  }

  /// `write`, calling `hook` at each stage; a throwing hook simulates a failure there.
  static func write(
    _ checkpoint: Checkpoint, to path: String,
    injectingFailure hook: (CheckpointWriteStage) throws -> Void
  ) throws {
    let layout = try DataLayout(checkpoint.tensors, path: path)
    let table = tensorTable(checkpoint.tensors, layout: layout)

    // Everything before the tensor data payload.
    var prefix = ByteWriter()
    prefix.append(magic)
    prefix.append(formatVersion)
    prefix.append(checkpoint.kind.rawValue)
    func sectionHeader(_ section: CheckpointSection, crc: UInt32, length: UInt64) {
      let payloadOffset = aligned(UInt64(prefix.bytes.count) + sectionHeaderSize)
      prefix.appendZeros(Int(payloadOffset - sectionHeaderSize) - prefix.bytes.count)
      prefix.append(section.tag)
      prefix.append(crc)
      prefix.append(length)
    }
    sectionHeader(.header, crc: CRC32.checksum(checkpoint.header), length: UInt64(checkpoint.header.count))
    prefix.append(checkpoint.header)
    sectionHeader(.tensorTable, crc: CRC32.checksum(table), length: UInt64(table.count))
    prefix.append(table)
    sectionHeader(.tensorData, crc: layout.checksum(checkpoint.tensors), length: layout.length)

    try AtomicFile.write(
      to: path,
      injectingFailure: { stage in
        switch stage {
        case .temporaryFileCreated: try hook(.temporaryFileCreated)
        case .contentWritten: try hook(.dataWritten)
        case .beforeRename: try hook(.beforeRename)
        }
      }
    ) { file in
      try file.write(prefix.bytes)
      try hook(.headerWritten)
      var position: UInt64 = 0  // within the data payload
      for (tensor, offset) in zip(checkpoint.tensors, layout.offsets) {
        try file.writeZeros(Int(offset - position))
        try tensor.values.withUnsafeBufferPointer { try file.write(littleEndian: $0) }
        position = offset + UInt64(tensor.values.count) * 4
      }
    }
  }

  /// Where each tensor's values go inside the data payload, after checking shapes and names.
  private struct DataLayout {
    var offsets: [UInt64] = []
    var length: UInt64 = 0

    init(_ tensors: [CheckpointTensor], path: String) throws {
      func invalid(_ tensor: CheckpointTensor, _ detail: String) -> CheckpointError {
        CheckpointError(path: path, problem: .invalidTensor(name: tensor.name, detail: detail))
      }
      guard tensors.count <= Int(UInt32.max) else {
        throw CheckpointError(path: path, problem: .invalidTensor(name: "", detail: "too many tensors"))
      }
      var names = Set<String>()
      for tensor in tensors {
        guard !tensor.name.isEmpty else { throw invalid(tensor, "empty name") }
        guard tensor.name.utf8.count <= Int(UInt32.max) else { throw invalid(tensor, "name too long") }
        guard names.insert(tensor.name).inserted else { throw invalid(tensor, "duplicate name") }
        var product = 1
        for dimension in tensor.shape {
          guard dimension >= 0 else { throw invalid(tensor, "negative dimension in shape \(tensor.shape)") }
          let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
          guard !overflow else { throw invalid(tensor, "shape \(tensor.shape) overflows") }
          product = next
        }
        guard product == tensor.values.count else {
          throw invalid(tensor, "shape \(tensor.shape) holds \(product) values, got \(tensor.values.count)")
        }
        let offset = aligned(length)
        offsets.append(offset)
        length = offset + UInt64(tensor.values.count) * 4
      }
    }

    /// CRC-32 of the data payload: each tensor's bytes, zero padding before it.
    func checksum(_ tensors: [CheckpointTensor]) -> UInt32 {
      var crc = CRC32()
      var position: UInt64 = 0
      for (tensor, offset) in zip(tensors, offsets) {
        zeroPadding.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[0..<Int(offset - position)])) }
        withLittleEndianBytes(tensor.values) { crc.update($0) }
        position = offset + UInt64(tensor.values.count) * 4
      }
      return crc.checksum
    }
  }

  /// The tensor table payload: UInt32 count, then per tensor UInt32 name length, UTF-8 name,
  /// UInt32 rank, rank × UInt64 dimensions, UInt32 dtype, UInt64 byte offset (within the data
  /// payload), UInt64 element count.
  private static func tensorTable(_ tensors: [CheckpointTensor], layout: DataLayout) -> [UInt8] {
    var table = ByteWriter()
    table.append(UInt32(tensors.count))
    for (tensor, offset) in zip(tensors, layout.offsets) {
      let name = Array(tensor.name.utf8)
      table.append(UInt32(name.count))
      table.append(name)
      table.append(UInt32(tensor.shape.count))
      for dimension in tensor.shape { table.append(UInt64(dimension)) }
      table.append(float32DType)
      table.append(offset)
      table.append(UInt64(tensor.values.count))
    }
    return table.bytes
  }
}

private let zeroPadding = [UInt8](repeating: 0, count: Int(Checkpoint.alignment))

/// Calls `body` with the values as little-endian IEEE-754 bytes (no copy on little-endian hosts).
private func withLittleEndianBytes<R>(_ values: [Float], _ body: (UnsafeRawBufferPointer) throws -> R)
  rethrows -> R
{
  #if _endian(little)
    return try values.withUnsafeBytes(body)
  #else
    return try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
  #endif
}

/// Appends little-endian integers and raw bytes.
private struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func append(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func append(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

  mutating func appendZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
}

