/// Reading and writing parallel corpora as tab-separated text, one pair per line:
/// `source tokens<TAB>target tokens`.
public enum ParallelCorpus {
  /// The pairs in the TSV file at `path`, tokenised with `tokenizer`.
  ///
  /// Columns other than `sourceColumn` and `targetColumn` (0-based) are ignored. "\r\n" line ends
  /// are accepted and an empty last line is ignored. Throws `DataError` naming the file and the
  /// 1-based line for a missing file, invalid UTF-8, a line without a tab, a missing column, an
  /// empty side, and for a file without pairs.
  public static func readTSV(
    path: String, tokenizer: Tokenizer, sourceColumn: Int = 0, targetColumn: Int = 1
  ) throws -> [SentencePair] {
    precondition(sourceColumn >= 0 && targetColumn >= 0, "columns are 0-based indices")
    let lines = try TextFile.readLines(path: path)
    var pairs: [SentencePair] = []
    pairs.reserveCapacity(lines.count)
    for (i, line) in lines.enumerated() {
      let lineNumber = i + 1
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard columns.count > 1 else { throw DataError.missingTab(path: path, line: lineNumber) }
      for column in [sourceColumn, targetColumn] where column >= columns.count {
        throw DataError.missingColumn(
          path: path, line: lineNumber, column: column, found: columns.count)
      }
      let source = tokenizer.tokenize(String(columns[sourceColumn]))
      if source.isEmpty { throw DataError.emptySide(path: path, line: lineNumber, side: "source") }
      let target = tokenizer.tokenize(String(columns[targetColumn]))
      if target.isEmpty { throw DataError.emptySide(path: path, line: lineNumber, side: "target") }
      pairs.append(SentencePair(source: source, target: target))
    }
    if pairs.isEmpty { throw DataError.emptyCorpus(path: path) }
    return pairs
  }

  /// Writes `pairs` as TSV (tokens joined by single spaces), replacing the file.
  ///
  /// Throws `DataError.unwritableFile` if a side is empty or a token is empty or contains
  /// whitespace, since such a file would not read back as the same pairs.
  public static func writeTSV(_ pairs: [SentencePair], path: String) throws {
    var lines: [String] = []
    lines.reserveCapacity(pairs.count)
    for (i, pair) in pairs.enumerated() {
      for (side, tokens) in [("source", pair.source), ("target", pair.target)] {
        if tokens.isEmpty {
          throw DataError.unwritableFile(
            path: path, reason: "pair \(i) has an empty \(side) side; expected at least one token")
        }
        if let bad = tokens.first(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
          throw DataError.unwritableFile(
            path: path,
            reason: "pair \(i) has the \(side) token \"\(bad)\"; expected tokens without whitespace")
        }
      }
      lines.append(pair.source.joined(separator: " ") + "\t" + pair.target.joined(separator: " "))
    }
    try TextFile.writeLines(lines, path: path)
  }
}
