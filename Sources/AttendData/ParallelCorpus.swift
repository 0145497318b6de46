/// Reading and writing parallel corpora as tab-separated text, one pair per line:
/// `source tokens<TAB>target tokens`.
public enum ParallelCorpus {
  /// The pairs in the TSV file at `path`, tokenised with `tokenizer`.
  ///
  /// Columns other than `sourceColumn` and `targetColumn` (0-based) are ignored. "\r\n" line ends
  /// are accepted and an empty last line is ignored. Throws `DataError` naming the file and the
  /// 1-based line for a missing file, invalid UTF-8, a line without a tab, a missing column, an
  /// empty side, and for a file without pairs (see `CorpusReader` for skipping bad lines instead).
  public static func readTSV(
    path: String, tokenizer: Tokenizer, sourceColumn: Int = 0, targetColumn: Int = 1
  ) throws -> [SentencePair] {
    let (pairs, _) = try CorpusReader.read(
      .tsv(path: path, sourceColumn: sourceColumn, targetColumn: targetColumn), badLines: .error)
    // The reader rejects blank sides, and a non-blank side always has a token.
    return pairs.map {
      SentencePair(source: tokenizer.tokenize($0.source), target: tokenizer.tokenize($0.target))
    }
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

extension ParallelCorpus {
  /// Writes pairs as read (`RawPair`, text untouched) as TSV, `source<TAB>target` per line.
  /// Throws `DataError.unwritableFile` for text holding a tab or a line break, which would not
  /// read back as the same pair.
  public static func writeTSV(raw pairs: [RawPair], path: String) throws {
    try TextFile.writeLines(
      try pairs.map { pair in
        for (side, text) in [("source", pair.source), ("target", pair.target)]
        where text.contains(where: { $0 == "\t" || $0.isNewline }) {
          throw DataError.unwritableFile(
            path: path, reason: "the \(side) of line \(pair.line) holds a tab or a line break; write parallel files instead")
        }
        return pair.source + "\t" + pair.target
      }, path: path)
  }

  /// Writes pairs as read as two line-parallel files (line n of `targetPath` translates line n of
  /// `sourcePath`). Throws `DataError.unwritableFile` for text holding a line break.
  public static func writeParallel(raw pairs: [RawPair], sourcePath: String, targetPath: String) throws {
    for (path, side) in [(sourcePath, \RawPair.source), (targetPath, \RawPair.target)] {
      if let bad = pairs.first(where: { $0[keyPath: side].contains(where: \.isNewline) }) {
        throw DataError.unwritableFile(path: path, reason: "line \(bad.line) holds a line break")
      }
      try TextFile.writeLines(pairs.map { $0[keyPath: side] }, path: path)
    }
  }
}
