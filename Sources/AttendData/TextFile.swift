import Foundation

/// Line-oriented UTF-8 file access: the one implementation behind the corpus and alignment
/// readers and writers and the CLI's plain-text inputs and outputs.
public enum TextFile {
  /// The lines of the file at `path`.
  ///
  /// Lines end at "\n"; a "\r" before it is dropped ("\r\n" files read the same), a UTF-8
  /// byte-order mark at the start is dropped, and the empty piece after a final newline is not a
  /// line. Each line is validated as UTF-8 on its own, so the error names the offending line.
  public static func readLines(path: String) throws -> [String] {
    try lines(in: try readBytes(path: path), name: path)
  }

  /// The lines of the file at `path`, as `readLines` cuts them, with nil for each line whose
  /// bytes are not valid UTF-8 (so a reader can skip that line and go on).
  public static func readLinesAllowingInvalidUTF8(path: String) throws -> [String?] {
    lines(in: try readBytes(path: path))
  }

  /// `bytes` cut into lines as `readLines` cuts a file; `name` is the file named in errors.
  public static func lines(in bytes: [UInt8], name: String) throws -> [String] {
    try lines(in: bytes).enumerated().map { i, line in
      guard let line else { throw DataError.invalidUTF8(path: name, line: i + 1) }
      return line
    }
  }

  static func lines(in bytes: [UInt8]) -> [String?] {
    var lines: [String?] = []
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    while start < bytes.count {
      let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      var end = newline
      if end > start && bytes[end - 1] == 0x0D { end -= 1 }
      lines.append(String(validating: bytes[start..<end], as: UTF8.self))
      start = newline + 1
    }
    return lines
  }

  /// Writes `lines`, each followed by "\n", replacing the file atomically.
  public static func writeLines(_ lines: [String], path: String) throws {
    var text = ""
    text.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
    for line in lines {
      text += line
      text += "\n"
    }
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw DataError.unwritableFile(path: path, reason: error.localizedDescription)
    }
  }

  private static func readBytes(path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError.fileNotFound(path: path)
    }
    if isDirectory.boolValue {
      throw DataError.unreadableFile(path: path, reason: "it is a directory, expected a file")
    }
    do {
      return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw DataError.unreadableFile(path: path, reason: error.localizedDescription)
    }
  }
}
