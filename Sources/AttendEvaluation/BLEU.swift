import Foundation

// Corpus BLEU (Papineni et al. 2002), computed from sufficient statistics exactly as sacreBLEU 2.x
// does it (`BLEU.compute_bleu` with smooth_method='exp', effective_order=False, max order 4), so the
// numbers Attend reports can be compared with published sacreBLEU numbers on the same tokens.
//
// Two entry points: `BLEU.corpus` scores token lists (what sacreBLEU does after tokenising), and
// `SacreBLEU` scores detokenised text the way the `sacrebleu` command and `BLEU().corpus_score` do
// (lowercasing, `rstrip`, the 13a tokeniser, several references per segment).

/// A corpus BLEU score and the statistics it was computed from.
public struct BLEUScore: Equatable, Sendable, CustomStringConvertible {
  /// BLEU on the 0…100 scale.
  public var score: Double
  /// p_1 … p_4 on the 0…100 scale, after smoothing (0 for orders not reached).
  public var precisions: [Double]
  /// exp(1 − r/c) when c < r, else 1 (0 when the hypotheses are empty).
  public var brevityPenalty: Double
  /// c: total hypothesis tokens.
  public var hypothesisLength: Int
  /// r: sum over segments of the reference length closest to the hypothesis length.
  public var referenceLength: Int
  /// Clipped n-gram matches for n = 1…4, summed over the corpus.
  public var counts: [Int]
  /// Hypothesis n-grams for n = 1…4, summed over the corpus.
  public var totals: [Int]

  public init(
    score: Double, precisions: [Double], brevityPenalty: Double,
    hypothesisLength: Int, referenceLength: Int, counts: [Int], totals: [Int]
  ) {
    self.score = score
    self.precisions = precisions
    self.brevityPenalty = brevityPenalty
    self.hypothesisLength = hypothesisLength
    self.referenceLength = referenceLength
    self.counts = counts
    self.totals = totals
  }

  /// c / r, or 0 when there are no reference tokens.
  public var lengthRatio: Double {
    referenceLength > 0 ? Double(hypothesisLength) / Double(referenceLength) : 0
  }

  /// sacreBLEU's format: "BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)".
  public var description: String {
    let p = precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
    return String(
      format: "BLEU = %.2f %@ (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
      score, p, brevityPenalty, lengthRatio, hypothesisLength, referenceLength)
  }
}

/// Corpus-level BLEU over tokenised text.
public enum BLEU {
  /// Largest n-gram order.
  public static let maxOrder = 4

  /// The settings behind `corpus` on pre-tokenised text, in sacreBLEU's signature format.
  public static let signature = signature(referenceCount: 1)

  /// The signature for pre-tokenised text with `referenceCount` references per segment.
  public static func signature(referenceCount: Int) -> String {
    SacreBLEU(tokenizer: .none).signature(referenceCount: referenceCount)
  }

  /// Splits a line at whitespace exactly like Python's `str.split()` (sacreBLEU's `tokenize='none'`).
  public static func tokenize(_ line: String) -> [String] {
    PythonText.split(line)
  }

  /// Corpus BLEU with one reference per segment: `references[i]` is the reference for `hypotheses[i]`.
  public static func corpus(hypotheses: [[String]], singleReferences references: [[String]]) -> BLEUScore {
    corpus(hypotheses: hypotheses, references: references.map { [$0] })
  }

  /// Corpus BLEU: `references[i]` lists the references for `hypotheses[i]` (at least one each).
  /// An empty corpus or empty hypotheses score 0.
  public static func corpus(hypotheses: [[String]], references: [[[String]]]) -> BLEUScore {
    precondition(
      hypotheses.count == references.count,
      "BLEU: \(hypotheses.count) hypotheses but \(references.count) reference lists")
    var counts = [Int](repeating: 0, count: maxOrder)
    var totals = [Int](repeating: 0, count: maxOrder)
    var hypothesisLength = 0
    var referenceLength = 0
    for (hypothesis, segmentReferences) in zip(hypotheses, references) {
      hypothesisLength += hypothesis.count
      referenceLength += closestReferenceLength(
        hypothesisLength: hypothesis.count, referenceLengths: segmentReferences.map(\.count))
      // A hypothesis n-gram matches at most as often as it occurs in any single reference. Words
      // are compared as UTF-8 bytes, i.e. code point by code point as Python does: Swift's String
      // equality would also match canonically equivalent spellings ("é" and "e\u{301}").
      var referenceCounts: [ArraySlice<[UInt8]>: Int] = [:]
      for reference in segmentReferences {
        for (ngram, count) in ngramCounts(reference.map { Array($0.utf8) }) {
          referenceCounts[ngram] = max(referenceCounts[ngram, default: 0], count)
        }
      }
      for (ngram, count) in ngramCounts(hypothesis.map { Array($0.utf8) }) {
        totals[ngram.count - 1] += count
        counts[ngram.count - 1] += min(count, referenceCounts[ngram, default: 0])
      }
    }
    return score(
      counts: counts, totals: totals,
      hypothesisLength: hypothesisLength, referenceLength: referenceLength)
  }

  /// BLEU from its sufficient statistics (sacreBLEU's `compute_bleu`, smooth_method='exp').
  public static func score(
    counts: [Int], totals: [Int], hypothesisLength: Int, referenceLength: Int
  ) -> BLEUScore {
    precondition(counts.count == maxOrder && totals.count == maxOrder, "BLEU: need \(maxOrder) orders")
    let c = Double(hypothesisLength)
    let r = Double(referenceLength)
    let brevityPenalty = hypothesisLength < referenceLength ? (hypothesisLength > 0 ? exp(1 - r / c) : 0) : 1
    var precisions = [Double](repeating: 0, count: maxOrder)
    func result(_ score: Double) -> BLEUScore {
      BLEUScore(
        score: score, precisions: precisions, brevityPenalty: brevityPenalty,
        hypothesisLength: hypothesisLength, referenceLength: referenceLength,
        counts: counts, totals: totals)
    }
    // No match at any order: 0, with all precisions reported as 0 (sacreBLEU #141).
    if counts.allSatisfy({ $0 == 0 }) { return result(0) }
    // 'exp' smoothing (NIST mteval-v13a): the k-th order with no match gets 100 / (2^k · total).
    var smoothing = 1.0
    for n in 0..<maxOrder {
      // The corpus has no n-grams of this order (every hypothesis is shorter than n + 1 tokens):
      // this and the higher orders keep precision 0, which makes the score 0.
      if totals[n] == 0 { break }
      if counts[n] == 0 {
        smoothing *= 2
        precisions[n] = 100 / (smoothing * Double(totals[n]))
      } else {
        precisions[n] = 100 * Double(counts[n]) / Double(totals[n])
      }
    }
    // sacreBLEU's `my_log` maps log(0) to -9999999999, so a 0 precision gives a score of exactly 0.
    let logSum = precisions.reduce(0.0) { $0 + ($1 == 0 ? -9_999_999_999 : log($1)) }
    return result(brevityPenalty * exp(logSum / Double(maxOrder)))
  }

  /// The reference length closest to the hypothesis length; ties go to the shorter reference.
  /// 0 when there are no references.
  public static func closestReferenceLength(hypothesisLength: Int, referenceLengths: [Int]) -> Int {
    referenceLengths.min { a, b in
      let da = abs(hypothesisLength - a)
      let db = abs(hypothesisLength - b)
      return da != db ? da < db : a < b
    } ?? 0
  }

  /// Every n-gram of order 1…4 in `tokens`, with its count.
  static func ngramCounts<Word: Hashable>(_ tokens: [Word]) -> [ArraySlice<Word>: Int] {
    var counts: [ArraySlice<Word>: Int] = [:]
    for n in 1...maxOrder where n <= tokens.count {
      for start in 0...(tokens.count - n) {
        counts[tokens[start..<(start + n)], default: 0] += 1
      }
    }
    return counts
  }
}

/// Corpus BLEU on detokenised text with sacreBLEU 2.x's settings: `BLEU(lowercase:, tokenize:)`
/// with the defaults smooth_method='exp', effective_order=False, max order 4. The defaults here
/// (13a, case-sensitive) are sacreBLEU's, so `SacreBLEU().score(…)` is the number `sacrebleu`
/// prints for the same files.
public struct SacreBLEU: Sendable, Equatable {
  /// How lines are split into words (sacreBLEU `tokenize`, default 13a).
  public var tokenizer: SacreTokenizer
  /// Lowercase hypotheses and references first (sacreBLEU `lowercase`, `-lc`).
  public var lowercase: Bool

  public init(tokenizer: SacreTokenizer = .thirteenA, lowercase: Bool = false) {
    self.tokenizer = tokenizer
    self.lowercase = lowercase
  }

  /// What sacreBLEU does to each hypothesis and reference line: lowercase (optionally), strip
  /// trailing whitespace, tokenise.
  public func words(_ line: String) -> [String] {
    tokenizer.tokenize(PythonText.rstrip(lowercase ? PythonText.lowercased(line) : line))
  }

  /// Corpus BLEU. `referenceStreams` holds one array per reference set, each with one line per
  /// hypothesis (sacreBLEU's layout: `corpus_score(hyps, [refs1, refs2])`). An empty reference line
  /// is a reference of length 0, as in sacreBLEU.
  public func score(hypotheses: [String], referenceStreams: [[String]]) -> BLEUScore {
    precondition(!referenceStreams.isEmpty, "BLEU needs at least one reference stream")
    for stream in referenceStreams {
      precondition(
        stream.count == hypotheses.count,
        "BLEU: \(hypotheses.count) hypotheses but a reference stream of \(stream.count) lines")
    }
    let references = hypotheses.indices.map { i in referenceStreams.map { words($0[i]) } }
    return BLEU.corpus(hypotheses: hypotheses.map(words), references: references)
  }

  /// sacreBLEU's signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-1`.
  public func signature(referenceCount: Int) -> String {
    "nrefs:\(referenceCount)|case:\(lowercase ? "lc" : "mixed")|eff:no|tok:\(tokenizer.rawValue)"
      + "|smooth:exp|version:\(MetricVersion.current)"
  }

  /// sacreBLEU's text output line: `BLEU|<signature> = 37.99 83.3/60.0/25.0/16.7 (BP = …)`.
  public func formatted(_ score: BLEUScore, referenceCount: Int, width: Int = 2) -> String {
    let p = score.precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
    return "BLEU|\(signature(referenceCount: referenceCount)) = "
      + String(format: "%.\(width)f", score.score) + " \(p) "
      + String(
        format: "(BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", score.brevityPenalty,
        score.lengthRatio, score.hypothesisLength, score.referenceLength)
  }
}

/// The `version` field of Attend's metric signatures. sacreBLEU writes its own version there; Attend
/// writes its implementation's, which reproduces sacreBLEU 2.6.0 (the version the test fixtures
/// were computed with, see scripts/make_sacrebleu_fixtures.py).
public enum MetricVersion {
  public static let current = "attend-1"
}
