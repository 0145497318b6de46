/// What went wrong while reading or writing data, with the file, the 1-based line and what was
/// expected, so that the message alone tells the user what to fix.
///
/// Messages follow the compiler's `path:line: what` shape, e.g.
/// `corpora/x.tsv:12: expected a tab between source and target, found none`.
public enum DataError: Error, Equatable, CustomStringConvertible {
  /// No file at `path`.
  case fileNotFound(path: String)
  /// The file exists but could not be read (a directory, no permission, …).
  case unreadableFile(path: String, reason: String)
  /// The file could not be written, or the data cannot be represented in its format.
  case unwritableFile(path: String, reason: String)
  /// The line's bytes are not valid UTF-8.
  case invalidUTF8(path: String, line: Int)
  /// A corpus line has no tab, so it has no target side.
  case missingTab(path: String, line: Int)
  /// A corpus line has fewer tab-separated columns than the reader was told to use.
  /// `column` is 0-based, as given to the reader; `found` is the number of columns on the line.
  case missingColumn(path: String, line: Int, column: Int, found: Int)
  /// A corpus line whose `side` ("source" or "target") has no tokens.
  case emptySide(path: String, line: Int, side: String)
  /// A word-alignment token that is not `i-j` or `i?j`.
  case badAlignment(path: String, line: Int, token: String, expected: String)
  /// The file holds no sentence pairs.
  case emptyCorpus(path: String)
  /// Two line-parallel files (source side and target side) have different numbers of lines.
  case lineCountMismatch(sourcePath: String, sourceLines: Int, targetPath: String, targetLines: Int)
  /// No pair of the corpus at `path` survived reading and filtering; `reason` says what removed them.
  case noUsablePairs(path: String, reason: String)
  /// A dev/test split cannot be carved as asked.
  case invalidSplit(reason: String)
  /// A list of byte-pair merges that cannot be replayed.
  case invalidMerges(reason: String)
  /// A token list that cannot be a vocabulary.
  case invalidVocabulary(reason: String)
  /// A saved batcher state that does not fit the corpus or batch size it is restored with.
  case invalidBatcherState(reason: String)

  public var description: String {
    switch self {
    case .fileNotFound(let path):
      return "\(path): no such file"
    case .unreadableFile(let path, let reason):
      return "\(path): cannot read the file: \(reason)"
    case .unwritableFile(let path, let reason):
      return "\(path): cannot write the file: \(reason)"
    case .invalidUTF8(let path, let line):
      return "\(path):\(line): expected UTF-8 text, found bytes that are not valid UTF-8"
    case .missingTab(let path, let line):
      return "\(path):\(line): expected a tab between source and target, found none"
    case .missingColumn(let path, let line, let column, let found):
      return
        "\(path):\(line): expected at least \(column + 1) tab-separated columns "
        + "(column \(column + 1) is read), found \(found)"
    case .emptySide(let path, let line, let side):
      return "\(path):\(line): expected at least one \(side) token, found an empty \(side) side"
    case .badAlignment(let path, let line, let token, let expected):
      return "\(path):\(line): expected \(expected), found \"\(token)\""
    case .emptyCorpus(let path):
      return "\(path): expected at least one tab-separated sentence pair, found none"
    case .lineCountMismatch(let sourcePath, let sourceLines, let targetPath, let targetLines):
      return
        "\(sourcePath) has \(sourceLines) lines but \(targetPath) has \(targetLines); expected "
        + "line-parallel files (line n of one translates line n of the other)"
    case .noUsablePairs(let path, let reason):
      return "\(path): no sentence pair is left to use: \(reason)"
    case .invalidSplit(let reason):
      return "cannot carve the dev/test split: \(reason)"
    case .invalidMerges(let reason):
      return "invalid byte-pair merges: \(reason)"
    case .invalidVocabulary(let reason):
      return "invalid vocabulary: \(reason)"
    case .invalidBatcherState(let reason):
      return "cannot restore the batcher: \(reason)"
    }
  }
}
