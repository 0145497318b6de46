// sacreBLEU is Python, and its scores depend on three Python string operations: `str.split()`,
// `str.rstrip()` and `str.lower()`. Swift's own versions differ at the edges (Swift splits on
// grapheme clusters, so " \u{301}" is one non-space Character; Swift's whitespace is Unicode
// White_Space, which lacks U+001C…U+001F; Swift lowercases Σ without the final-sigma rule), and each
// difference changes scores on real text. These are the Python semantics, on Unicode scalars
// (Python's code points), so BLEU and chrF agree with sacreBLEU on any input.

/// Python's `str` operations that sacreBLEU's scores depend on, on Unicode scalars.
public enum PythonText {
  /// Python's `str.isspace()`: bidirectional class WS, B or S, or general category Zs.
  /// (The same set in Python 3.8 … 3.13; Unicode adds no such characters after 6.3.)
  @inline(__always)
  public static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
      0x205F, 0x3000:
      return true
    default:
      return false
    }
  }

  /// Python's `line.split()`: the runs of non-space scalars, in order.
  public static func split(_ line: String) -> [String] {
    var tokens: [String] = []
    var current = String.UnicodeScalarView()
    for scalar in line.unicodeScalars {
      if isSpace(scalar) {
        if !current.isEmpty {
          tokens.append(String(current))
          current = String.UnicodeScalarView()
        }
      } else {
        current.append(scalar)
      }
    }
    if !current.isEmpty { tokens.append(String(current)) }
    return tokens
  }

  /// Python's `line.rstrip()`: the line without trailing space scalars.
  public static func rstrip(_ line: String) -> String {
    let scalars = line.unicodeScalars
    var end = scalars.endIndex
    while end > scalars.startIndex {
      let before = scalars.index(before: end)
      guard isSpace(scalars[before]) else { break }
      end = before
    }
    return String(scalars[..<end])
  }

  /// Python's `line.lower()`: each scalar's full lowercase mapping (so "İ" becomes "i̇"), with
  /// capital sigma becoming final ς when it ends a word (Unicode's Final_Sigma context, as
  /// CPython's `handle_capital_sigma` decides it).
  public static func lowercased(_ line: String) -> String {
    let scalars = Array(line.unicodeScalars)
    var result = String.UnicodeScalarView()
    for (i, scalar) in scalars.enumerated() {
      if scalar.value == 0x3A3 {
        result.append(Unicode.Scalar(isFinalSigma(scalars, at: i) ? 0x3C2 : 0x3C3)!)
      } else if scalar.properties.changesWhenLowercased {
        result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      } else {
        result.append(scalar)
      }
    }
    return String(result)
  }

  /// Final_Sigma: a cased letter before (skipping case-ignorable scalars) and none after.
  private static func isFinalSigma(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
    var j = i - 1
    while j >= 0 && scalars[j].properties.isCaseIgnorable { j -= 1 }
    guard j >= 0 && scalars[j].properties.isCased else { return false }
    var k = i + 1
    while k < scalars.count && scalars[k].properties.isCaseIgnorable { k += 1 }
    return k == scalars.count || !scalars[k].properties.isCased
  }
}
