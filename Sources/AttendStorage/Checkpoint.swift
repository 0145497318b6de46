#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
private func aligned(_ value: UInt64) -> UInt64 {
  (value + Checkpoint.alignment - 1) / Checkpoint.alignment * Checkpoint.alignment
}

// MARK: - Writing

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

// MARK: - Reading

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
