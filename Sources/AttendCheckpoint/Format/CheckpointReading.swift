#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import AttendStorage

extension Checkpoint {
  /// Reads and fully validates the checkpoint at `path`: magic, version, kind, every section's
  /// tag, length (against the file size, before anything is allocated) and CRC-32, the padding,
  /// and the tensor table (names, shapes, dtype, offsets inside the data payload, no overlaps).
  /// Any problem throws a `CheckpointError` naming the file.
  ///
  /// `keepingValues` picks the tensors whose values are returned; the others are read and
  /// checked all the same but come back with empty `values` (translation skips Adam's moments,
  /// two thirds of a training checkpoint, this way).
  public static func read(from path: String, keepingValues: (String) -> Bool = { _ in true }) throws -> Checkpoint {
    let file = try InputFile(path: path)
    defer { file.close() }
    let size = file.size
    func fail(_ problem: CheckpointError.Problem) -> CheckpointError {
      CheckpointError(path: path, problem: problem)
    }
    let (version, kind) = try readFileHeader(file)

    // Header section.
    let headerSection = try file.sectionHeader(.header, after: fileHeaderSize)
    let header = try file.bytes(at: headerSection.offset, count: Int(headerSection.length))
    try verify(CRC32.checksum(header), headerSection)

    // Tensor table section.
    let tableSection = try file.sectionHeader(.tensorTable, after: headerSection.end)
    let tableBytes = try file.bytes(at: tableSection.offset, count: Int(tableSection.length))
    try verify(CRC32.checksum(tableBytes), tableSection)

    // Tensor data section: its length is checked against the file before the table is trusted.
    let dataSection = try file.sectionHeader(.tensorData, after: tableSection.end)
    guard dataSection.end == size else { throw fail(.trailingBytes(size - dataSection.end)) }
    let entries = try parseTensorTable(tableBytes, dataLength: dataSection.length, path: path)

    var crc = CRC32()
    var paddingIsZero = true
    var position: UInt64 = 0
    var tensors: [CheckpointTensor] = []
    tensors.reserveCapacity(entries.count)
    // Tensors not kept are checked through this buffer (allocated when first needed).
    var scratch: [UInt8] = []
    for entry in entries {
      var padding = [UInt8](repeating: 0, count: Int(entry.offset - position))
      try padding.withUnsafeMutableBytes { try file.read(into: $0, at: dataSection.offset + position) }
      crc.update(padding)
      paddingIsZero = paddingIsZero && padding.allSatisfy { $0 == 0 }
      var values: [Float] = []
      if keepingValues(entry.name) {
        values = [Float](repeating: 0, count: entry.count)
        try values.withUnsafeMutableBytes { raw in
          try file.read(into: raw, at: dataSection.offset + entry.offset)
          crc.update(UnsafeRawBufferPointer(raw))
        }
      } else {
        if scratch.isEmpty { scratch = [UInt8](repeating: 0, count: 1 << 20) }
        var done = 0
        while done < entry.count * 4 {
          let n = min(scratch.count, entry.count * 4 - done)
          try scratch.withUnsafeMutableBytes { raw in
            let part = UnsafeMutableRawBufferPointer(rebasing: raw[0..<n])
            try file.read(into: part, at: dataSection.offset + entry.offset + UInt64(done))
            crc.update(UnsafeRawBufferPointer(part))
          }
          done += n
        }
      }
      #if _endian(big)
        values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
      #endif
      tensors.append(CheckpointTensor(name: entry.name, shape: entry.shape, values: values))
      position = entry.offset + UInt64(entry.count) * 4
    }
    try verify(crc.checksum, dataSection)
    guard paddingIsZero else {
      throw fail(.malformed(part: CheckpointSection.tensorData.name, detail: "padding between tensors is not zero"))
    }
    var checkpoint = Checkpoint(header: header, tensors: tensors, kind: kind)
    checkpoint.version = version
    return checkpoint

    func verify(_ computed: UInt32, _ section: SectionHeader) throws {
      guard computed == section.crc else {
        throw fail(.checksumMismatch(section: section.section.name, stored: section.crc, computed: computed))
      }
    }
  }

  /// Reads only the file header and the JSON header section (checking magic, version, kind, the
  /// section's framing and its CRC-32), not the tensors: cheap even for a large checkpoint. For
  /// listings that need a checkpoint's step or metric; `read` is what validates a whole file.
  public static func readHeader(from path: String) throws -> CheckpointHeaderBytes {
    let file = try InputFile(path: path)
    defer { file.close() }
    let (version, kind) = try readFileHeader(file)
    let section = try file.sectionHeader(.header, after: fileHeaderSize)
    let header = try file.bytes(at: section.offset, count: Int(section.length))
    let computed = CRC32.checksum(header)
    guard computed == section.crc else {
      throw CheckpointError(
        path: path, problem: .checksumMismatch(section: section.section.name, stored: section.crc, computed: computed))
    }
    return CheckpointHeaderBytes(version: version, kind: kind, header: header, fileSize: file.size)
  }

  /// Checks the 16-byte file header: magic, then a version this build reads, then a kind that
  /// version defines (version 1 knew only model checkpoints).
  private static func readFileHeader(_ file: InputFile) throws -> (UInt32, CheckpointKind) {
    func fail(_ problem: CheckpointError.Problem) -> CheckpointError {
      CheckpointError(path: file.path, problem: problem)
    }
    let head = try file.bytes(at: 0, count: Int(min(file.size, fileHeaderSize)))
    guard Array(magic.prefix(head.count)) == Array(head.prefix(magic.count)) else {
      throw fail(.badMagic)
    }
    guard file.size >= fileHeaderSize else {
      throw fail(.truncated(part: "file header", needed: fileHeaderSize, remaining: file.size))
    }
    var reader = ByteReader(bytes: head, part: "file header", path: file.path)
    reader.index = magic.count
    let version = try reader.uint32()
    let kindValue = try reader.uint32()
    if version > formatVersion {
      throw fail(.newerVersion(found: version, supported: formatVersion))
    }
    guard version >= oldestReadableVersion else {
      throw fail(.unsupportedVersion(found: version, supported: formatVersion))
    }
    guard let kind = CheckpointKind(rawValue: kindValue), version >= 2 || kind == .model else {
      throw fail(.unsupportedKind(kindValue, version: version))
    }
    return (version, kind)
  }

  /// One validated tensor table entry.
  private struct TableEntry {
    var name: String
    var shape: [Int]
    var offset: UInt64  // bytes, within the data payload
    var count: Int  // elements
  }

  /// Parses the table and checks every entry against a data payload of `dataLength` bytes:
  /// unique non-empty UTF-8 names, element count = product of dimensions, dtype float32, offsets
  /// aligned, in order, non-overlapping and inside the payload, which they must fill exactly.
  private static func parseTensorTable(_ bytes: [UInt8], dataLength: UInt64, path: String) throws
    -> [TableEntry]
  {
    let part = CheckpointSection.tensorTable.name
    var reader = ByteReader(bytes: bytes, part: part, path: path)
    func malformed(_ detail: String) -> CheckpointError {
      CheckpointError(path: path, problem: .malformed(part: part, detail: detail))
    }
    let count = Int(try reader.uint32())
    // The smallest entry: name length, 1-byte name, rank, dtype, offset, element count.
    let smallestEntry = 4 + 1 + 4 + 4 + 8 + 8
    guard count <= reader.remaining / smallestEntry else {
      throw malformed("\(count) tensors cannot fit in \(bytes.count) bytes")
    }
    var entries: [TableEntry] = []
    entries.reserveCapacity(count)
    var names = Set<String>()
    var end: UInt64 = 0  // end of the previous tensor's bytes
    for index in 0..<count {
      let nameLength = Int(try reader.uint32())
      let nameBytes = try reader.bytes(nameLength)
      let name = String(decoding: nameBytes, as: UTF8.self)
      let label = "entry \(index) ('\(name)')"
      guard !nameBytes.isEmpty else { throw malformed("entry \(index) has an empty name") }
      guard Array(name.utf8) == nameBytes else { throw malformed("\(label): name is not valid UTF-8") }
      guard names.insert(name).inserted else { throw malformed("\(label): duplicate name") }
      let rank = Int(try reader.uint32())
      guard rank <= reader.remaining / 8 else { throw malformed("\(label): rank \(rank) runs past the table") }
      var shape: [Int] = []
      var product: UInt64 = 1
      var overflow = false
      for _ in 0..<rank {
        let dimension = try reader.uint64()
        guard let exact = Int(exactly: dimension) else {
          throw malformed("\(label): dimension \(dimension) is too large")
        }
        shape.append(exact)
        let (next, didOverflow) = product.multipliedReportingOverflow(by: dimension)
        product = next
        overflow = overflow || didOverflow
      }
      if shape.contains(0) { (product, overflow) = (0, false) }
      let dtype = try reader.uint32()
      let offset = try reader.uint64()
      let elements = try reader.uint64()
      guard dtype == float32DType else {
        throw malformed("\(label): unsupported dtype \(dtype) (1 = float32)")
      }
      guard !overflow, elements == product else {
        throw malformed("\(label): element count \(elements) does not match shape \(shape)")
      }
      guard offset % alignment == 0 else {
        throw malformed("\(label): data offset \(offset) is not a multiple of \(alignment)")
      }
      guard offset >= end else {
        throw malformed("\(label): data offset \(offset) overlaps the previous tensor (ends at \(end))")
      }
      guard offset <= dataLength, elements <= (dataLength - offset) / 4 else {
        throw malformed(
          "\(label): \(grouped(elements)) values at offset \(grouped(offset)) run past the "
            + "\(grouped(dataLength))-byte tensor data section")
      }
      end = offset + elements * 4
      entries.append(TableEntry(name: name, shape: shape, offset: offset, count: Int(elements)))
    }
    guard reader.remaining == 0 else {
      throw malformed("\(reader.remaining) unexpected bytes after the last entry")
    }
    guard end == dataLength else {
      throw CheckpointError(
        path: path,
        problem: .malformed(
          part: CheckpointSection.tensorData.name,
          detail: "section is \(grouped(dataLength)) bytes but the tensors end at \(grouped(end))"))
    }
    return entries
  }
}

/// A validated section header: where its payload starts, how long it is, its stored CRC.
private struct SectionHeader {
  var section: CheckpointSection
  var offset: UInt64
  var length: UInt64
  var crc: UInt32
  var end: UInt64 { offset + length }
}

/// A file opened for reading, with its size.
private struct InputFile {
  let path: String
  let fd: Int32
  let size: UInt64

  init(path: String) throws {
    self.path = path
    fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CheckpointError.system(path, "open") }
    var status = stat()
    guard fstat(fd, &status) == 0 else {
      let error = CheckpointError.system(path, "stat")
      closeFile(fd)
      throw error
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      closeFile(fd)
      throw CheckpointError(path: path, problem: .io("not a regular file"))
    }
    size = UInt64(status.st_size)
  }

  func close() { closeFile(fd) }

  /// Fills `buffer` from `offset`; a short file (it shrank since `stat`) is an error.
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
    guard var pointer = buffer.baseAddress else { return }
    var remaining = buffer.count
    var position = off_t(offset)
    while remaining > 0 {
      let count = pread(fd, pointer, remaining, position)
      if count < 0 {
        if errno == EINTR { continue }
        throw CheckpointError.system(path, "read")
      }
      guard count > 0 else {
        throw CheckpointError(path: path, problem: .io("cannot read: the file shrank while being read"))
      }
      pointer += count
      remaining -= count
      position += off_t(count)
    }
  }

  func bytes(at offset: UInt64, count: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    try bytes.withUnsafeMutableBytes { try read(into: $0, at: offset) }
    return bytes
  }

  /// Reads and checks the header of `section`, which follows zero padding after `end` (the end of
  /// the previous part): padding is zero, tag matches, payload fits in the file.
  func sectionHeader(_ section: CheckpointSection, after end: UInt64) throws -> SectionHeader {
    let payloadOffset = aligned(end + Checkpoint.sectionHeaderSize)
    guard payloadOffset <= size else {
      throw CheckpointError(
        path: path,
        problem: .truncated(part: "\(section.name) header", needed: payloadOffset - end, remaining: size - end))
    }
    let bytes = try self.bytes(at: end, count: Int(payloadOffset - end))
    let padding = bytes.count - Int(Checkpoint.sectionHeaderSize)
    guard bytes[0..<padding].allSatisfy({ $0 == 0 }) else {
      throw CheckpointError(
        path: path, problem: .malformed(part: section.name, detail: "the padding before its header is not zero"))
    }
    var reader = ByteReader(bytes: bytes, part: "\(section.name) header", path: path)
    reader.index = padding
    let tag = try reader.bytes(4)
    guard tag == section.tag else {
      throw CheckpointError(
        path: path,
        problem: .malformed(
          part: section.name,
          detail: "expected tag \"\(String(decoding: section.tag, as: UTF8.self))\", found \(printable(tag))"))
    }
    let crc = try reader.uint32()
    let length = try reader.uint64()
    guard length <= size - payloadOffset else {
      throw CheckpointError(
        path: path, problem: .truncated(part: section.name, needed: length, remaining: size - payloadOffset))
    }
    return SectionHeader(section: section, offset: payloadOffset, length: length, crc: crc)
  }
}

/// Reads little-endian integers from bytes already in memory; running past the end throws.
private struct ByteReader {
  let bytes: [UInt8]
  let part: String
  let path: String
  var index = 0

  init(bytes: [UInt8], part: String, path: String) {
    self.bytes = bytes
    self.part = part
    self.path = path
  }

  var remaining: Int { bytes.count - index }

  mutating func bytes(_ count: Int) throws -> [UInt8] {
    guard count >= 0, count <= remaining else {
      throw CheckpointError(
        path: path, problem: .truncated(part: part, needed: UInt64(count), remaining: UInt64(remaining)))
    }
    defer { index += count }
    return Array(bytes[index..<index + count])
  }

  mutating func uint32() throws -> UInt32 {
    try bytes(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
  }

  mutating func uint64() throws -> UInt64 {
    try bytes(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
  }
}

/// A 4-byte tag as text when printable, else as hex.
private func printable(_ bytes: [UInt8]) -> String {
  if bytes.allSatisfy({ (0x20..<0x7f).contains($0) }) {
    return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
  }
  return bytes.map { String($0, radix: 16) }.joined(separator: " ")
}

/// `close(2)`, reachable where a `close()` method shadows it.
private func closeFile(_ fd: Int32) {
  _ = close(fd)
}
