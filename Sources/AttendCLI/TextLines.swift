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
    return try TextFile.readLines(path: path)
  }

  /// `data` cut into lines as described above; `name` is the file named in errors.
  static func split(_ data: Data, name: String) throws -> [String] {
    try TextFile.lines(in: [UInt8](data), name: name)
  }

  /// Writes `lines`, each followed by "\n", to `path` in one atomic replacement: an existing file
  /// is replaced only by the complete new one, never left half-written.
  static func write(_ lines: [String], path: String) throws {
    try TextFile.writeLines(lines, path: path)
  }
}
