/// The tokenisations sacreBLEU applies to detokenised text before counting BLEU n-grams.
///
/// BLEU depends on how text is split into words, so published scores name their tokenisation in the
/// signature (`tok:13a`). sacreBLEU's default, `13a`, is the tokenisation of the NIST/WMT
/// `mteval-v13a.pl` script: it separates punctuation and symbols from words, keeping decimal
/// numbers ("3.14", "1,000") whole. `none` only splits at whitespace, for text that is already
/// tokenised.
public enum SacreTokenizer: String, CaseIterable, Codable, Sendable {
  case thirteenA = "13a"
  case none

  /// The words of `line` (already lowercased if the metric lowercases).
  public func tokenize(_ line: String) -> [String] {
    switch self {
    case .none: return PythonText.split(line)
    case .thirteenA: return Self.thirteenA(line)
    }
  }

  // sacreBLEU's Tokenizer13a and TokenizerRegexp, step for step on Unicode scalars:
  //   line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
  //   if '&' in line: &quot; → "   &amp; → &   &lt; → <   &gt; → >     (in this order)
  //   ' ' + line + ' ', then four regular expressions, then ' '.join(line.split()).
  // Each expression matches a fixed two (or one) scalars, so Python's left-to-right,
  // non-overlapping `re.sub` is a single scan that skips past each match.
  static func thirteenA(_ line: String) -> [String] {
    var s = Array(line.unicodeScalars)
    s = replacing(s, "<skipped>", "")
    s = replacing(s, "-\n", "")
    s = replacing(s, "\n", " ")
    if s.contains("&") {
      s = replacing(s, "&quot;", "\"")
      s = replacing(s, "&amp;", "&")
      s = replacing(s, "&lt;", "<")
      s = replacing(s, "&gt;", ">")
    }
    s = [" "] + s + [" "]

    // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) → ' \1 ': ASCII symbols and punctuation except ' , - .
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(s.count * 2)
    for c in s {
      if isSeparatedSymbol(c) {
        out.append(" ")
        out.append(c)
        out.append(" ")
      } else {
        out.append(c)
      }
    }
    // ([^0-9])([\.,]) → '\1 \2 ': period and comma not after a digit.
    out = substitutePairs(out, where: { !isDigit($0) && isPeriodOrComma($1) }) { a, b in [a, " ", b, " "] }
    // ([\.,])([^0-9]) → ' \1 \2': period and comma not before a digit.
    out = substitutePairs(out, where: { isPeriodOrComma($0) && !isDigit($1) }) { a, b in [" ", a, b] }
    // ([0-9])(-) → '\1 \2 ': a dash after a digit.
    out = substitutePairs(out, where: { isDigit($0) && $1 == "-" }) { a, b in [a, " ", b, " "] }

    var result = String.UnicodeScalarView()
    result.append(contentsOf: out)
    return PythonText.split(String(result))
  }

  @inline(__always)
  static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

  @inline(__always)
  static func isPeriodOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }

  /// The character class of 13a's first expression: { | } ~ [ \ ] ^ _ ` space ! " # $ % &
  /// ( ) * + : ; < = > ? @ /.
  @inline(__always)
  static func isSeparatedSymbol(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
    default: return false
    }
  }

  /// `re.sub` for a pattern of two single-scalar groups: scans left to right; where
  /// `matches(s[i], s[i+1])`, emits `replacement` and continues after the pair.
  static func substitutePairs(
    _ s: [Unicode.Scalar], where matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
    replacement: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]
  ) -> [Unicode.Scalar] {
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(s.count + s.count / 2)
    var i = 0
    while i < s.count {
      if i + 1 < s.count && matches(s[i], s[i + 1]) {
        out.append(contentsOf: replacement(s[i], s[i + 1]))
        i += 2
      } else {
        out.append(s[i])
        i += 1
      }
    }
    return out
  }

  /// Python's `str.replace(old, new)`: non-overlapping occurrences, left to right.
  static func replacing(_ s: [Unicode.Scalar], _ old: String, _ new: String) -> [Unicode.Scalar] {
    let pattern = Array(old.unicodeScalars)
    guard s.count >= pattern.count else { return s }
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(s.count)
    var i = 0
    while i < s.count {
      if i + pattern.count <= s.count && s[i] == pattern[0] && Array(s[i..<(i + pattern.count)]) == pattern {
        out.append(contentsOf: new.unicodeScalars)
        i += pattern.count
      } else {
        out.append(s[i])
        i += 1
      }
    }
    return out
  }
}
