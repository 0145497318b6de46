/// One link of a word alignment: source word `source` is aligned to target word `target`
/// (both 0-based). A sure link is written `i-j` in Pharaoh format, a possible link `i?j`.
public struct AlignmentLink: Hashable, Sendable {
  public var source: Int
  public var target: Int
  public var sure: Bool

  public init(source: Int, target: Int, sure: Bool = true) {
    self.source = source
    self.target = target
    self.sure = sure
  }
}

/// Pharaoh-format word alignments, one sentence per line: whitespace-separated links `i-j`
/// (sure) or `i?j` (possible), source index first, 0-based. An empty line is an empty alignment.
public enum PharaohFormat {
  static let expectedLink = "a link \"i-j\" (sure) or \"i?j\" (possible) with 0-based indices"

  /// The links on one line, in the order written. `path` and `lineNumber` (1-based) name the line
  /// in the error for a malformed link.
  public static func parse(line: String, path: String, lineNumber: Int) throws -> [AlignmentLink] {
    try line.split(whereSeparator: \.isWhitespace).map { token in
      guard let link = parseLink(token) else {
        throw DataError.badAlignment(
          path: path, line: lineNumber, token: String(token), expected: expectedLink)
      }
      return link
    }
  }

  /// The line for `links`, in the order given, separated by single spaces.
  public static func format(_ links: [AlignmentLink]) -> String {
    links.map { "\($0.source)\($0.sure ? "-" : "?")\($0.target)" }.joined(separator: " ")
  }

  /// One alignment per line of the file at `path` ("\r\n" accepted, an empty last line ignored).
  public static func read(path: String) throws -> [[AlignmentLink]] {
    try TextFile.readLines(path: path).enumerated().map { i, line in
      try parse(line: line, path: path, lineNumber: i + 1)
    }
  }

  /// Writes one line per alignment, replacing the file.
  public static func write(_ alignments: [[AlignmentLink]], path: String) throws {
    if let bad = alignments.joined().first(where: { $0.source < 0 || $0.target < 0 }) {
      throw DataError.unwritableFile(
        path: path,
        reason: "the link \(bad.source),\(bad.target) has a negative index; expected 0-based indices")
    }
    try TextFile.writeLines(alignments.map(format), path: path)
  }

  private static func parseLink(_ token: Substring) -> AlignmentLink? {
    guard let separator = token.firstIndex(where: { $0 == "-" || $0 == "?" }) else { return nil }
    guard let source = index(token[..<separator]),
      let target = index(token[token.index(after: separator)...])
    else { return nil }
    return AlignmentLink(source: source, target: target, sure: token[separator] == "-")
  }

  /// A non-empty run of ASCII digits as an Int (no sign, no spaces).
  private static func index(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(text)
  }
}
