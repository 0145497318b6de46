/// Where the sentence pairs of one split come from.
public enum CorpusSource: Equatable, Sendable, CustomStringConvertible {
  /// Tab-separated pairs, one per line (Tatoeba/Anki style). The source and target sides are
  /// the 0-based columns given; other columns are ignored. Swapping the columns swaps the
  /// translation direction.
  case tsv(path: String, sourceColumn: Int = 0, targetColumn: Int = 1)
  /// Two line-parallel plain-text files, one sentence per line (Moses style: `train.en` and
  /// `train.fr`): line n of `target` translates line n of `source`.
  case parallel(source: String, target: String)

  /// The file that names this source in messages (the source-side file for parallel files).
  public var path: String {
    switch self {
    case .tsv(let path, _, _): return path
    case .parallel(let source, _): return source
    }
  }

  public var description: String {
    switch self {
    case .tsv(let path, let s, let t):
      return s == 0 && t == 1 ? path : "\(path) (source column \(s), target column \(t))"
    case .parallel(let source, let target): return "\(source) + \(target)"
    }
  }
}

/// One pair as read, before any normalisation or tokenisation.
public struct RawPair: Equatable, Hashable, Sendable {
  public var source: String
  public var target: String
  /// 1-based line number in the file (or both files) it came from.
  public var line: Int

  public init(source: String, target: String, line: Int) {
    self.source = source
    self.target = target
    self.line = line
  }
}

/// What to do with a line that cannot be a sentence pair.
public enum BadLinePolicy: String, Codable, CaseIterable, Sendable {
  /// Stop with a `DataError` naming the file, the line and the problem.
  case error
  /// Leave the line out, count it by reason and report the count and the first line numbers.
  case skip
}

/// Why a line was left out under `BadLinePolicy.skip`.
public enum SkipReason: String, CaseIterable, Codable, Sendable {
  case invalidUTF8 = "invalid_utf8"
  case missingTab = "missing_tab"
  case missingColumn = "missing_column"
  case emptySource = "empty_source"
  case emptyTarget = "empty_target"

  /// The same problem as an error, for `BadLinePolicy.error`.
  func error(path: String, line: Int, column: Int = 0, found: Int = 0) -> DataError {
    switch self {
    case .invalidUTF8: return .invalidUTF8(path: path, line: line)
    case .missingTab: return .missingTab(path: path, line: line)
    case .missingColumn: return .missingColumn(path: path, line: line, column: column, found: found)
    case .emptySource: return .emptySide(path: path, line: line, side: "source")
    case .emptyTarget: return .emptySide(path: path, line: line, side: "target")
    }
  }
}

/// What reading one corpus found: lines, pairs kept, and lines skipped by reason.
public struct CorpusReadReport: Equatable, Sendable {
  /// How many example line numbers are kept per skip reason.
  public static let exampleLimit = 5

  public var source: CorpusSource
  /// Lines read (pairs of lines for parallel files).
  public var lines: Int = 0
  /// Pairs kept.
  public var pairs: Int = 0
  /// Lines skipped, by reason.
  public var skipped: [SkipReason: Int] = [:]
  /// The first `exampleLimit` skipped line numbers (1-based), by reason.
  public var skippedLines: [SkipReason: [Int]] = [:]

  public init(source: CorpusSource) {
    self.source = source
  }

  /// All skipped lines.
  public var skippedCount: Int { skipped.values.reduce(0, +) }

  mutating func skip(_ reason: SkipReason, line: Int) {
    skipped[reason, default: 0] += 1
    if skippedLines[reason, default: []].count < Self.exampleLimit {
      skippedLines[reason, default: []].append(line)
    }
  }

  /// "712 lines, 710 pairs; skipped 2 bad lines (missing_tab 1: line 5; empty_target 1: line 9)".
  public var summary: String {
    var text = "\(lines) lines, \(pairs) pairs"
    if skippedCount > 0 {
      let parts = SkipReason.allCases.compactMap { reason -> String? in
        guard let count = skipped[reason] else { return nil }
        let examples = skippedLines[reason, default: []].map(String.init).joined(separator: ", ")
        let more = count > Self.exampleLimit ? ", …" : ""
        return "\(reason.rawValue) \(count): line\(count == 1 ? "" : "s") \(examples)\(more)"
      }
      text += "; skipped \(skippedCount) bad line\(skippedCount == 1 ? "" : "s") (\(parts.joined(separator: "; ")))"
    }
    return text
  }
}

/// Reads raw sentence pairs from TSV or line-parallel files, checking every line.
///
/// A line is bad when its bytes are not UTF-8, when a TSV line has no tab or lacks a requested
/// column, or when a side is blank (only spaces; see `Tokenizer.isBlank`). Under
/// `BadLinePolicy.error` the first bad line throws a `DataError` naming the file and the line;
/// under `.skip` bad lines are counted in the report. A missing or unreadable file and parallel
/// files of different lengths always throw, and so does a corpus with no pair left.
public enum CorpusReader {
  public static func read(
    _ source: CorpusSource, badLines: BadLinePolicy = .error
  ) throws -> (pairs: [RawPair], report: CorpusReadReport) {
    var report = CorpusReadReport(source: source)
    var pairs: [RawPair] = []
    func reject(_ reason: SkipReason, _ error: DataError, line: Int) throws {
      if badLines == .error { throw error }
      report.skip(reason, line: line)
    }
    switch source {
    case .tsv(let path, let sourceColumn, let targetColumn):
      precondition(sourceColumn >= 0 && targetColumn >= 0, "columns are 0-based indices")
      let lines = try TextFile.readLinesAllowingInvalidUTF8(path: path)
      report.lines = lines.count
      pairs.reserveCapacity(lines.count)
      for (i, line) in lines.enumerated() {
        let number = i + 1
        guard let line else {
          try reject(.invalidUTF8, .invalidUTF8(path: path, line: number), line: number)
          continue
        }
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count > 1 else {
          try reject(.missingTab, .missingTab(path: path, line: number), line: number)
          continue
        }
        let needed = max(sourceColumn, targetColumn)
        guard needed < columns.count else {
          try reject(
            .missingColumn,
            .missingColumn(path: path, line: number, column: needed, found: columns.count),
            line: number)
          continue
        }
        let (s, t) = (columns[sourceColumn], columns[targetColumn])
        if Tokenizer.isBlank(s) {
          try reject(.emptySource, SkipReason.emptySource.error(path: path, line: number), line: number)
          continue
        }
        if Tokenizer.isBlank(t) {
          try reject(.emptyTarget, SkipReason.emptyTarget.error(path: path, line: number), line: number)
          continue
        }
        pairs.append(RawPair(source: String(s), target: String(t), line: number))
      }
      if pairs.isEmpty && report.lines == 0 { throw DataError.emptyCorpus(path: path) }

    case .parallel(let sourcePath, let targetPath):
      let sources = try TextFile.readLinesAllowingInvalidUTF8(path: sourcePath)
      let targets = try TextFile.readLinesAllowingInvalidUTF8(path: targetPath)
      guard sources.count == targets.count else {
        throw DataError.lineCountMismatch(
          sourcePath: sourcePath, sourceLines: sources.count, targetPath: targetPath,
          targetLines: targets.count)
      }
      report.lines = sources.count
      pairs.reserveCapacity(sources.count)
      for i in sources.indices {
        let number = i + 1
        guard let s = sources[i] else {
          try reject(.invalidUTF8, .invalidUTF8(path: sourcePath, line: number), line: number)
          continue
        }
        guard let t = targets[i] else {
          try reject(.invalidUTF8, .invalidUTF8(path: targetPath, line: number), line: number)
          continue
        }
        if Tokenizer.isBlank(s) {
          try reject(.emptySource, SkipReason.emptySource.error(path: sourcePath, line: number), line: number)
          continue
        }
        if Tokenizer.isBlank(t) {
          try reject(.emptyTarget, SkipReason.emptyTarget.error(path: targetPath, line: number), line: number)
          continue
        }
        pairs.append(RawPair(source: s, target: t, line: number))
      }
      if report.lines == 0 {
        throw DataError.noUsablePairs(path: sourcePath, reason: "\(sourcePath) and \(targetPath) are empty")
      }
    }
    report.pairs = pairs.count
    if pairs.isEmpty {
      throw DataError.noUsablePairs(
        path: source.path, reason: "all \(report.lines) lines were skipped as bad (\(report.summary))")
    }
    return (pairs, report)
  }
}
