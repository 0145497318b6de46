/// Splits a line into tokens at whitespace, the only tokenisation Attend needs for its corpora.
///
/// Every Unicode `White_Space` character separates tokens (so U+00A0 NO-BREAK SPACE, U+2009 THIN
/// SPACE and U+202F NARROW NO-BREAK SPACE do too, as do tabs and "\r\n"). Runs of whitespace never
/// produce empty tokens.
public struct Tokenizer: Equatable, Sendable {
  /// Lowercase the line (Unicode-aware) before splitting.
  public var lowercase: Bool

  public init(lowercase: Bool = false) {
    self.lowercase = lowercase
  }

  /// The tokens of `line`, in order, without empty tokens.
  public func tokenize(_ line: String) -> [String] {
    let text = lowercase ? line.lowercased() : line
    return text.split(whereSeparator: \.isWhitespace).map(String.init)
  }

  /// The tokens joined with single spaces.
  public func detokenize(_ tokens: [String]) -> String {
    tokens.joined(separator: " ")
  }
}
