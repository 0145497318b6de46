import Foundation

/// The Unicode normalisation applied to every line before it is tokenised.
///
/// `nfc` composes accents (`e` + U+0301 → `é`), so the same word always has the same code points.
/// `nfkc` also folds compatibility variants (`ﬁ` → `fi`, full-width `Ａ` → `A`, `①` → `1`).
public enum UnicodeNormalization: String, Codable, CaseIterable, Sendable {
  case none, nfc, nfkc
}

/// Turns a line of text into word tokens and back.
///
/// Steps, in order: lowercase (if asked), Unicode normalisation, cleaning, splitting at spaces,
/// and (if asked) splitting punctuation from words.
///
/// - Cleaning: every Unicode space is a space (`White_Space`: U+00A0 NO-BREAK SPACE, U+202F
///   NARROW NO-BREAK SPACE, U+2009 THIN SPACE, tabs, …; also U+200B ZERO WIDTH SPACE), and the
///   invisible U+00AD SOFT HYPHEN, U+2060 WORD JOINER and U+FEFF are removed. The joiner mark
///   `￭` (U+FFED, see `joiner`) is replaced by `■` (U+25A0, what NFKC maps it to), so a joiner in
///   a token always comes from Attend and detokenisation can never be fooled by the input.
/// - Punctuation splitting: each run of one punctuation or symbol character (`.`, `!!`, `«`, `$`)
///   becomes its own token, marked with `joiner` on the side where it touched its neighbour, so
///   `detokenize` restores the spacing exactly ("Run!" → `Run ￭!` → "Run!"; "Va !" → `Va !`).
///   Apostrophes and hyphens between letters or digits stay inside the word (`don't`, `l'homme`,
///   `peut-être`), as do `.`, `,` and `:` between digits (`3.14`, `1,000`, `10:30`). The scheme
///   is OpenNMT Tokenizer's joiner annotation; byte-pair pieces use the same mark (see
///   `BytePairEncoding`), so one `detokenize` undoes both.
public struct Tokenizer: Codable, Equatable, Sendable {
  /// Marks the side of a token that attaches to its neighbour without a space: `￭!` attaches to
  /// the token before it, `hom￭` to the token after it.
  public static let joiner: Character = "\u{FFED}"
  /// `joiner` as a string.
  public static let joinerString = "\u{FFED}"
  /// What an input `joiner` character becomes (its NFKC form).
  static let joinerReplacement: Character = "\u{25A0}"

  /// Unicode normalisation form applied to each line.
  public var normalization: UnicodeNormalization
  /// Lowercase the line (Unicode-aware) before splitting.
  public var lowercase: Bool
  /// Split punctuation and symbols from words, with joiner marks (see the type's documentation).
  public var splitPunctuation: Bool

  public init(
    lowercase: Bool = false, normalization: UnicodeNormalization = .none,
    splitPunctuation: Bool = false
  ) {
    self.lowercase = lowercase
    self.normalization = normalization
    self.splitPunctuation = splitPunctuation
  }

  /// The line after lowercasing, Unicode normalisation and cleaning: what the tokens are cut from
  /// and what `detokenize(tokenize(line))` gives back (up to runs of spaces, which become one).
  public func normalize(_ line: String) -> String {
    var text = lowercase ? line.lowercased() : line
    switch normalization {
    case .none: break
    case .nfc: text = text.precomposedStringWithCanonicalMapping
    case .nfkc: text = text.precomposedStringWithCompatibilityMapping
    }
    guard text.unicodeScalars.contains(where: Self.needsCleaning) else { return text }
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x00AD, 0x2060, 0xFEFF: continue
      case 0x200B: scalars.append(" ")
      case 0xFFED: scalars.append(contentsOf: String(Self.joinerReplacement).unicodeScalars)
      default: scalars.append(scalar)
      }
    }
    return String(scalars)
  }

  private static func needsCleaning(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00AD, 0x2060, 0xFEFF, 0x200B, 0xFFED: return true
    default: return false
    }
  }

  /// True when `line` has no tokens: it is empty or holds only spaces and removed characters.
  /// Decided on characters, as `tokenize` splits: a combining mark after a space belongs to the
  /// space's character, so " \u{0301}" is blank too.
  public static func isBlank<S: StringProtocol>(_ line: S) -> Bool {
    var scalars = String.UnicodeScalarView()
    for scalar in line.unicodeScalars {
      switch scalar.value {
      case 0x00AD, 0x2060, 0xFEFF: continue
      case 0x200B: scalars.append(" ")
      default: scalars.append(scalar)
      }
    }
    return String(scalars).allSatisfy(\.isWhitespace)
  }

  /// The tokens of `line`, in order, without empty tokens.
  public func tokenize(_ line: String) -> [String] {
    let words = normalize(line).split(whereSeparator: \.isWhitespace)
    guard splitPunctuation else { return words.map(String.init) }
    var tokens: [String] = []
    tokens.reserveCapacity(words.count + words.count / 2)
    for word in words { Self.appendSplitting(word, to: &tokens) }
    return tokens
  }

  /// The text of `tokens`: tokens are separated by one space, except where a joiner mark says
  /// they touch; the marks are removed. Undoes `tokenize` and byte-pair segmentation.
  public func detokenize(_ tokens: [String]) -> String {
    var text = ""
    var attachNext = true  // no space before the first token
    for token in tokens {
      var core = Substring(token)
      let attachPrevious = core.first == Self.joiner
      if attachPrevious { core = core.dropFirst() }
      let attachFollowing = core.last == Self.joiner
      if attachFollowing { core = core.dropLast() }
      if !(attachNext || attachPrevious) { text += " " }
      text += core
      attachNext = attachFollowing
    }
    return text
  }

  // MARK: - Punctuation splitting

  private enum Kind { case word, punctuation }

  /// A character that is cut off from words: Unicode punctuation (P*) or symbols (S*).
  static func isPunctuation(_ c: Character) -> Bool {
    c.isPunctuation || c.isSymbol
  }

  /// Splits one space-free word into word and punctuation tokens with joiner marks.
  private static func appendSplitting(_ word: Substring, to tokens: inout [String]) {
    let characters = Array(word)
    var pieces: [(text: String, kind: Kind)] = []
    var i = 0
    while i < characters.count {
      let c = characters[i]
      if !isPunctuation(c) || staysInWord(characters, i) {
        var j = i + 1
        while j < characters.count && (!isPunctuation(characters[j]) || staysInWord(characters, j)) {
          j += 1
        }
        pieces.append((String(characters[i..<j]), .word))
        i = j
      } else {
        var j = i + 1
        while j < characters.count && characters[j] == c { j += 1 }
        pieces.append((String(characters[i..<j]), .punctuation))
        i = j
      }
    }
    // At each inner boundary the punctuation side carries the mark, so words keep one spelling.
    for k in 1..<max(1, pieces.count) {
      if pieces[k].kind == .punctuation {
        pieces[k].text = joinerString + pieces[k].text
      } else {
        pieces[k - 1].text += joinerString
      }
    }
    tokens.append(contentsOf: pieces.map(\.text))
  }

  /// Whether the punctuation character at `i` is part of a word: an apostrophe or hyphen between
  /// letters or digits, or `.`, `,`, `:` between digits.
  private static func staysInWord(_ characters: [Character], _ i: Int) -> Bool {
    guard i > 0, i + 1 < characters.count else { return false }
    let (before, c, after) = (characters[i - 1], characters[i], characters[i + 1])
    switch c {
    case "'", "\u{2019}", "-", "\u{2010}":
      return (before.isLetter || before.isNumber) && (after.isLetter || after.isNumber)
    case ".", ",", ":":
      return before.isNumber && after.isNumber
    default:
      return false
    }
  }
}
