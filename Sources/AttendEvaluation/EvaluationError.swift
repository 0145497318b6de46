import AttendData

/// Evaluation inputs that do not fit together, with the file and line to fix.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
  /// Two files that must be parallel (hypotheses and references, pairs and gold alignments) have
  /// different numbers of lines. `each` says what one line stands for ("line of test.src").
  case lineCountMismatch(path: String, found: Int, expected: Int, each: String)
  /// A gold link points past the end of its sentence.
  case linkOutOfRange(path: String, line: Int, link: String, sourceLength: Int, targetLength: Int)
  /// The model cuts a sentence into other tokens than its words (subwords, split punctuation), so
  /// gold links, which index words, cannot be compared with its attention.
  case tokensAreNotWords(path: String, line: Int, side: String, words: Int, tokens: Int)

  public var description: String {
    switch self {
    case .lineCountMismatch(let path, let found, let expected, let each):
      return "\(path): expected \(expected) lines, one for each \(each), found \(found)"
    case .linkOutOfRange(let path, let line, let link, let sourceLength, let targetLength):
      return
        "\(path):\(line): expected links i-j with i < \(sourceLength) (source words) and j < \(targetLength) "
        + "(target words), found \"\(link)\"; does this file belong to these sentence pairs?"
    case .tokensAreNotWords(let path, let line, let side, let words, let tokens):
      return
        "\(path):\(line): the \(side) has \(words) words but the model reads it as \(tokens) tokens (it was "
        + "trained with subwords or split punctuation); gold alignments index words, so AER needs a model "
        + "trained on whole words (merges: 0, split_punctuation: false)"
    }
  }
}


/// Gold word alignments for a set of sentence pairs, checked against them.
public enum GoldAlignments {
  /// The Pharaoh file at `path`, one line per pair, every link inside its pair. `each` says what a
  /// pair is, for the message when the line counts differ ("line of test.tsv").
  public static func read(
    path: String, sourceLengths: [Int], targetLengths: [Int], each: String
  ) throws -> [[AlignmentLink]] {
    precondition(sourceLengths.count == targetLengths.count)
    let alignments = try PharaohFormat.read(path: path)
    guard alignments.count == sourceLengths.count else {
      throw EvaluationError.lineCountMismatch(
        path: path, found: alignments.count, expected: sourceLengths.count, each: each)
    }
    for (i, links) in alignments.enumerated() {
      if let bad = links.first(where: { $0.source >= sourceLengths[i] || $0.target >= targetLengths[i] }) {
        throw EvaluationError.linkOutOfRange(
          path: path, line: i + 1, link: PharaohFormat.format([bad]), sourceLength: sourceLengths[i],
          targetLength: targetLengths[i])
      }
    }
    return alignments
  }
}
