// chrF (Popović 2015): an F-score over character n-grams, exactly as sacreBLEU 2.x's `CHRF`
// computes it with its defaults (chrF2: character orders 1…6, no word n-grams, β = 2, whitespace
// removed, case-sensitive, "effective order" averaging rather than epsilon smoothing). chrF++
// (word_order = 2) is the same computation with word n-grams added as extra orders.
//
// Per segment and order n, the statistics are [hypothesis n-grams, reference n-grams, matches]
// (clipped counts). With several references, each segment keeps the statistics of the reference
// with the best sentence-level F-score (the first on ties). The corpus score is the F-score of the
// summed statistics: precision and recall are averaged over the orders where both sides have
// n-grams, then F_β = (1 + β²) P R / (β² P + R).

/// A chrF score and the corpus statistics it was computed from.
public struct ChrFScore: Equatable, Sendable {
  /// chrF on the 0…100 scale.
  public var score: Double
  /// Per order (characters 1…charOrder, then words 1…wordOrder): hypothesis n-grams, reference
  /// n-grams and matches, summed over the corpus.
  public var statistics: [[Int]]
}

/// chrF with sacreBLEU's parameters; the defaults are sacreBLEU's `CHRF()` (chrF2).
public struct ChrF: Sendable, Equatable {
  /// Character n-gram orders 1…charOrder (sacreBLEU `char_order`, default 6).
  public var charOrder: Int
  /// Word n-gram orders 1…wordOrder (default 0; 2 gives chrF++).
  public var wordOrder: Int
  /// Weight of recall relative to precision (default 2).
  public var beta: Int
  /// Lowercase hypotheses and references first.
  public var lowercase: Bool
  /// Keep whitespace inside character n-grams (sacreBLEU `whitespace`, default false).
  public var whitespace: Bool

  public init(charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false, whitespace: Bool = false) {
    precondition(charOrder >= 1 && wordOrder >= 0 && beta >= 0, "chrF: invalid orders or beta")
    self.charOrder = charOrder
    self.wordOrder = wordOrder
    self.beta = beta
    self.lowercase = lowercase
    self.whitespace = whitespace
  }

  /// "chrF2", or "chrF2++" with two word orders, as sacreBLEU names it.
  public var name: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }

  /// sacreBLEU's signature, e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:attend-1`.
  public func signature(referenceCount: Int) -> String {
    "nrefs:\(referenceCount)|case:\(lowercase ? "lc" : "mixed")|eff:yes|nc:\(charOrder)|nw:\(wordOrder)"
      + "|space:\(whitespace ? "yes" : "no")|version:\(MetricVersion.current)"
  }

  /// sacreBLEU's text output line: `chrF2|<signature> = 54.32`.
  public func formatted(_ score: ChrFScore, referenceCount: Int, width: Int = 2) -> String {
    "\(name)|\(signature(referenceCount: referenceCount)) = " + String(format: "%.\(width)f", score.score)
  }

  /// Corpus chrF. `referenceStreams` holds one array per reference set, one line per hypothesis.
  public func score(hypotheses: [String], referenceStreams: [[String]]) -> ChrFScore {
    precondition(!referenceStreams.isEmpty, "chrF needs at least one reference stream")
    for stream in referenceStreams {
      precondition(
        stream.count == hypotheses.count,
        "chrF: \(hypotheses.count) hypotheses but a reference stream of \(stream.count) lines")
    }
    let orders = charOrder + wordOrder
    var total = [[Int]](repeating: [0, 0, 0], count: orders)
    for (i, hypothesis) in hypotheses.enumerated() {
      let hypothesisGrams = ngrams(hypothesis)
      var best: [[Int]] = []
      var bestF = -1.0
      for stream in referenceStreams {
        let referenceGrams = ngrams(stream[i])
        let stats = (0..<orders).map { Self.matchStatistics(hypothesisGrams[$0], referenceGrams[$0]) }
        let f = fScore(stats)
        if f > bestF {
          bestF = f
          best = stats
        }
      }
      for n in 0..<orders {
        for k in 0..<3 { total[n][k] += best[n][k] }
      }
    }
    return ChrFScore(score: fScore(total), statistics: total)
  }

  /// The n-gram counts of one line, character orders first, then word orders.
  func ngrams(_ line: String) -> [[NGram: Int]] {
    let text = lowercase ? PythonText.lowercased(line) : line
    var characters = Array(text.unicodeScalars)
    if !whitespace { characters.removeAll(where: PythonText.isSpace) }
    var result: [[NGram: Int]] = []
    for n in 1...charOrder {
      var counts: [NGram: Int] = [:]
      if characters.count >= n {
        for start in 0...(characters.count - n) {
          counts[.characters(characters[start..<(start + n)]), default: 0] += 1
        }
      }
      result.append(counts)
    }
    if wordOrder > 0 {
      let words = Self.separatingPunctuation(text).map { Array($0.utf8) }
      for n in 1...wordOrder {
        var counts: [NGram: Int] = [:]
        if words.count >= n {
          for start in 0...(words.count - n) {
            counts[.words(words[start..<(start + n)]), default: 0] += 1
          }
        }
        result.append(counts)
      }
    }
    return result
  }

  /// An n-gram of characters (Unicode scalars, Python's code points) or of words (as UTF-8 bytes,
  /// so they compare code point by code point like Python strings, not canonically like Swift's).
  enum NGram: Hashable {
    case characters(ArraySlice<Unicode.Scalar>)
    case words(ArraySlice<[UInt8]>)
  }

  /// [hypothesis n-grams, reference n-grams, clipped matches]; hypothesis n-grams count 0 when
  /// the reference has none of this order (sacreBLEU's `_get_match_statistics`).
  static func matchStatistics(_ hypothesis: [NGram: Int], _ reference: [NGram: Int]) -> [Int] {
    var matches = 0
    var hypothesisCount = 0
    for (gram, count) in hypothesis {
      hypothesisCount += count
      if let referenceCount = reference[gram] { matches += min(count, referenceCount) }
    }
    return [reference.isEmpty ? 0 : hypothesisCount, reference.values.reduce(0, +), matches]
  }

  /// sacreBLEU's `_compute_f_score` without eps smoothing, operation for operation.
  func fScore(_ statistics: [[Int]]) -> Double {
    let factor = Double(beta * beta)
    var averagePrecision = 0.0
    var averageRecall = 0.0
    var effectiveOrder = 0
    for s in statistics {
      let (hypothesis, reference, matches) = (s[0], s[1], s[2])
      if hypothesis > 0 && reference > 0 {
        averagePrecision += Double(matches) / Double(hypothesis)
        averageRecall += Double(matches) / Double(reference)
        effectiveOrder += 1
      }
    }
    if effectiveOrder == 0 { return 0 }
    averagePrecision /= Double(effectiveOrder)
    averageRecall /= Double(effectiveOrder)
    guard averagePrecision + averageRecall != 0 else { return 0 }
    var score = (1 + factor) * averagePrecision * averageRecall
    score /= (factor * averagePrecision) + averageRecall
    return 100 * score
  }

  /// chrF++'s word split (sacreBLEU `_remove_punctuation`): a word of two or more scalars that
  /// ends in ASCII punctuation loses it as a separate word; else one that starts with it does.
  static func separatingPunctuation(_ line: String) -> [String] {
    var words: [String] = []
    for word in PythonText.split(line) {
      let scalars = Array(word.unicodeScalars)
      if scalars.count == 1 {
        words.append(word)
      } else if isASCIIPunctuation(scalars.last!) {
        words.append(String(String.UnicodeScalarView(scalars.dropLast())))
        words.append(String(scalars.last!))
      } else if isASCIIPunctuation(scalars.first!) {
        words.append(String(scalars.first!))
        words.append(String(String.UnicodeScalarView(scalars.dropFirst())))
      } else {
        words.append(word)
      }
    }
    return words
  }

  /// Python's `string.punctuation`.
  static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
    default: return false
    }
  }
}
