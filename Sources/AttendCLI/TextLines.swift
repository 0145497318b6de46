import AttendData
import Foundation

/// Reading and writing the plain-text files of `attend translate`, `attend bleu` and `attend eval`:
/// one sentence per line.
///
/// Lines end at "\n" (a "\r" before it is dropped, so "\r\n" files read the same); a final line
/// without "\n" counts, the empty piece after a final "\n" does not; a UTF-8 byte-order mark at the
/// start is ignored. Each line must be valid UTF-8: the error names the file and the line.
enum TextLines {
  /// The lines of the file at `path`, or of standard input when `path` is "-".
  static func read(path: String) throws -> [String] {
    if path == "-" { return try split(FileHandle.standardInput.readDataToEndOfFile(), name: "<stdin>") }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError.fileNotFound(path: path)
    }
    guard !isDirectory.boolValue else {
      throw DataError.unreadableFile(path: path, reason: "it is a directory, expected a text file")
    }
    do {
      return try split(try Data(contentsOf: URL(fileURLWithPath: path)), name: path)
    } catch let error as DataError {
      throw error
    } catch {
      throw DataError.unreadableFile(path: path, reason: error.localizedDescription)
    }
  }

  /// `data` cut into lines as described above; `name` is the file named in errors.
  static func split(_ data: Data, name: String) throws -> [String] {
    let bytes = [UInt8](data)
    var lines: [String] = []
    var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while start < bytes.count {
      let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      var end = newline
      if end > start && bytes[end - 1] == 0x0D { end -= 1 }
      guard let line = String(validating: bytes[start..<end], as: UTF8.self) else {
        throw DataError.invalidUTF8(path: name, line: lines.count + 1)
      }
      lines.append(line)
      start = newline + 1
    }
    return lines
  }

  /// Writes `lines`, each followed by "\n", to `path` in one atomic replacement: an existing file
  /// is replaced only by the complete new one, never left half-written.
  static func write(_ lines: [String], path: String) throws {
    var text = ""
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
}
