import Foundation

/// The safetensors format (Hugging Face), so exported weights open in PyTorch, JAX or NumPy with
/// `safetensors.torch.load_file` and friends, no Attend code needed. Only Float32 tensors.
///
/// Layout: an 8-byte little-endian header length N; N bytes of UTF-8 JSON mapping each tensor
/// name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (offsets into the
/// data that follows, which the tensors must cover contiguously, in order), plus an optional
/// `"__metadata__"` object of string values; then the raw little-endian data. The header is
/// padded with spaces to a multiple of 8 bytes so the data is aligned, as the reference writer
/// does.
public enum SafeTensors {
  /// Writes `tensors` (names unique and non-empty, shapes matching their values) and `metadata`
  /// to `path` atomically (`AtomicFile`).
  public static func write(_ tensors: [CheckpointTensor], metadata: [String: String] = [:], to path: String) throws {
    var names = Set<String>()
    var entries: [String] = []
    var offset = 0
    for tensor in tensors {
      func invalid(_ detail: String) -> CheckpointError {
        CheckpointError(path: path, problem: .invalidTensor(name: tensor.name, detail: detail))
      }
      guard !tensor.name.isEmpty, tensor.name != "__metadata__" else { throw invalid("reserved or empty name") }
      guard names.insert(tensor.name).inserted else { throw invalid("duplicate name") }
      guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.reduce(1, *) == tensor.values.count else {
        throw invalid("shape \(tensor.shape) does not hold \(tensor.values.count) values")
      }
      let end = offset + 4 * tensor.values.count
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    if !metadata.isEmpty {
      let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      entries.insert("\"__metadata__\":{\(fields.joined(separator: ","))}", at: 0)
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    var length = UInt64(header.count).littleEndian
    try AtomicFile.write(to: path) { file in
      try withUnsafeBytes(of: &length) { try file.write($0) }
      try file.write(header)
      for tensor in tensors {
        try tensor.values.withUnsafeBufferPointer { try file.write(littleEndian: $0) }
      }
    }
  }

  /// Reads a Float32 safetensors file, checking the header length against the file size, every
  /// entry's dtype, shape and offsets, and that the data is covered exactly. Tensors come back in
  /// data order. Errors are `CheckpointError`s naming the file.
  public static func read(from path: String) throws -> (tensors: [CheckpointTensor], metadata: [String: String]) {
    func malformed(_ detail: String) -> CheckpointError {
      CheckpointError(path: path, problem: .malformed(part: "safetensors header", detail: detail))
    }
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CheckpointError(path: path, problem: .io("cannot read: \(error.localizedDescription)"))
    }
    guard bytes.count >= 8 else {
      throw CheckpointError(
        path: path, problem: .truncated(part: "safetensors header length", needed: 8, remaining: UInt64(bytes.count)))
    }
    let length = bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard length <= UInt64(bytes.count - 8) else {
      throw CheckpointError(
        path: path,
        problem: .truncated(part: "safetensors header", needed: length, remaining: UInt64(bytes.count - 8)))
    }
    let dataStart = 8 + Int(length)
    guard let object = try? JSONSerialization.jsonObject(with: bytes[8..<dataStart]) as? [String: Any] else {
      throw malformed("not a JSON object")
    }
    var metadata: [String: String] = [:]
    var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
    for (name, value) in object {
      if name == "__metadata__" {
        guard let fields = value as? [String: String] else { throw malformed("__metadata__ is not a map of strings") }
        metadata = fields
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
      else { throw malformed("entry '\(name)' lacks dtype, shape or data_offsets") }
      guard dtype == "F32" else { throw malformed("entry '\(name)' has dtype \(dtype); only F32 is read") }
      var count = 1
      for dimension in shape {
        guard dimension >= 0 else { throw malformed("entry '\(name)' has shape \(shape)") }
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow else { throw malformed("entry '\(name)' has shape \(shape)") }
        count = product
      }
      guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == 4 * count else {
        throw malformed("entry '\(name)': offsets \(offsets) do not hold \(count) Float32 values")
      }
      entries.append((name, shape, offsets[0], offsets[1]))
    }
    entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var position = 0
    for entry in entries {
      guard entry.begin == position else {
        throw malformed("entry '\(entry.name)' starts at \(entry.begin), expected \(position) (data must be contiguous)")
      }
      position = entry.end
    }
    guard position == bytes.count - dataStart else {
      throw malformed("the tensors cover \(position) data bytes, the file holds \(bytes.count - dataStart)")
    }
    let tensors = entries.map { entry -> CheckpointTensor in
      let count = (entry.end - entry.begin) / 4
      var values = [Float](repeating: 0, count: count)
      values.withUnsafeMutableBytes { raw in
        _ = bytes.copyBytes(to: raw, from: (dataStart + entry.begin)..<(dataStart + entry.end))
      }
      #if _endian(big)
        values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
      #endif
      return CheckpointTensor(name: entry.name, shape: entry.shape, values: values)
    }
    return (tensors, metadata)
  }

  /// `text` as a JSON string literal.
  private static func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
