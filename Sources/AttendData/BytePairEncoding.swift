/// Byte-pair encoding (Sennrich, Haddow & Birch 2016): words are cut into subword pieces by
/// replaying, in order, the merges of adjacent symbols learned from the training data, so frequent
/// words stay whole and rare words become a few frequent pieces instead of `<unk>`.
///
/// Symbols are characters (Unicode grapheme clusters). Every symbol but the last of a word carries
/// the `Tokenizer.joiner` mark at its end (`h￭ o￭ m￭ m￭ e`), which plays the part of Sennrich's
/// end-of-word marker (a word-final `e` and an inner `e￭` are different symbols) and is, at the same
/// time, the continuation mark of the output pieces: `hom￭ me` detokenises to `homme` with the same
/// `Tokenizer.detokenize` that rejoins punctuation. A merge of `a￭` and `b` gives `ab`.
///
/// A merge is written `left right` (one space; symbols never hold whitespace), in the order learned,
/// as in subword-nmt's codes files; that list is all a checkpoint stores.
public struct BytePairEncoding: Codable, Equatable, Sendable {
  /// The merges in the order learned, each "left right".
  public let merges: [String]
  /// Rank of each merge (its position in `merges`); the lowest-ranked applicable merge goes first.
  private let ranks: [SymbolPair: Int]

  private struct SymbolPair: Hashable {
    var left: String
    var right: String
  }

  /// A model replaying `merges` ("left right" each). Throws `DataError.invalidMerges` for a line
  /// that is not two symbols or whose left symbol lacks the continuation mark.
  public init(merges: [String]) throws {
    var ranks: [SymbolPair: Int] = [:]
    ranks.reserveCapacity(merges.count)
    for (rank, merge) in merges.enumerated() {
      let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
        parts[0].last == Tokenizer.joiner
      else {
        throw DataError.invalidMerges(
          reason: "merge \(rank + 1) is \"\(merge)\"; expected \"left￭ right\" (two symbols, "
            + "the left one ending in the joiner mark ￭)")
      }
      let pair = SymbolPair(left: String(parts[0]), right: String(parts[1]))
      if ranks[pair] == nil { ranks[pair] = rank }
    }
    self.merges = merges
    self.ranks = ranks
  }

  private enum CodingKeys: String, CodingKey {
    case merges
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let merges = try container.decode([String].self, forKey: .merges)
    do {
      try self.init(merges: merges)
    } catch let error as DataError {
      throw DecodingError.dataCorruptedError(
        forKey: .merges, in: container, debugDescription: error.description)
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(merges, forKey: .merges)
  }

  public static func == (lhs: BytePairEncoding, rhs: BytePairEncoding) -> Bool {
    lhs.merges == rhs.merges
  }

  /// No merges: every word is cut into characters.
  public static let empty = try! BytePairEncoding(merges: [])

  // MARK: - Applying

  /// The pieces of one word (no joiner marks of its own), each but the last ending in the joiner.
  public func segment<S: StringProtocol>(_ word: S) -> [String] {
    var symbols = word.map { String($0) + Tokenizer.joinerString }
    guard !symbols.isEmpty else { return [] }
    symbols[symbols.count - 1].removeLast()
    while symbols.count > 1 {
      // The applicable merge learned first.
      var best: (rank: Int, pair: SymbolPair)? = nil
      for k in 0..<(symbols.count - 1) {
        let pair = SymbolPair(left: symbols[k], right: symbols[k + 1])
        if let rank = ranks[pair], rank < best?.rank ?? Int.max { best = (rank, pair) }
      }
      guard let (_, pair) = best else { break }
      // Merge every occurrence, left to right, without overlaps (as learning did).
      var merged: [String] = []
      merged.reserveCapacity(symbols.count)
      var k = 0
      while k < symbols.count {
        if k + 1 < symbols.count && symbols[k] == pair.left && symbols[k + 1] == pair.right {
          merged.append(String(pair.left.dropLast()) + pair.right)
          k += 2
        } else {
          merged.append(symbols[k])
          k += 1
        }
      }
      symbols = merged
    }
    return symbols
  }

  /// The pieces of tokens from a `Tokenizer`. A token's own joiner marks (from punctuation
  /// splitting) stay on its first and last piece, so `Tokenizer.detokenize` of the pieces equals
  /// `detokenize` of the tokens.
  public func apply(_ tokens: [String]) -> [String] {
    var pieces: [String] = []
    pieces.reserveCapacity(tokens.count * 2)
    for token in tokens { appendPieces(of: token, to: &pieces) }
    return pieces
  }

  /// `apply` over many sentences, segmenting each distinct token once.
  public func apply(sentences: [[String]]) -> [[String]] {
    var cache: [String: [String]] = [:]
    return sentences.map { tokens in
      var pieces: [String] = []
      pieces.reserveCapacity(tokens.count * 2)
      for token in tokens {
        if let known = cache[token] {
          pieces += known
        } else {
          var own: [String] = []
          appendPieces(of: token, to: &own)
          cache[token] = own
          pieces += own
        }
      }
      return pieces
    }
  }

  private func appendPieces(of token: String, to pieces: inout [String]) {
    let (leading, core, trailing) = Self.splitMarks(token)
    var own = segment(core)
    guard !own.isEmpty else {
      pieces.append(token)
      return
    }
    if leading { own[0] = Tokenizer.joinerString + own[0] }
    if trailing { own[own.count - 1] += Tokenizer.joinerString }
    pieces += own
  }

  /// A token's leading mark, the text between its marks, and its trailing mark.
  static func splitMarks(_ token: String) -> (leading: Bool, core: Substring, trailing: Bool) {
    var core = Substring(token)
    let leading = core.first == Tokenizer.joiner
    if leading { core = core.dropFirst() }
    let trailing = core.last == Tokenizer.joiner
    if trailing { core = core.dropLast() }
    return (leading, core, trailing)
  }

  // MARK: - Learning

  /// Learns up to `mergeCount` merges from tokenised sentences (joiner marks of punctuation tokens
  /// are ignored: `￭!` counts as `!`).
  ///
  /// Each step merges the most frequent adjacent pair of symbols, counted over all words weighted by
  /// their frequency; ties go to the pair whose left, then right, symbol sorts first, so the result
  /// depends only on the word counts. Learning stops early when no pair occurs `minPairFrequency`
  /// times (subword-nmt's default is 2: a merge seen once only memorises one word).
  public static func learn(
    sentences: [[String]], mergeCount: Int, minPairFrequency: Int = 2
  ) -> BytePairEncoding {
    var counts: [Substring: Int] = [:]
    for sentence in sentences {
      for token in sentence { counts[splitMarks(token).core, default: 0] += 1 }
    }
    counts[""] = nil
    return learn(wordCounts: counts.map { (String($0.key), $0.value) }, mergeCount: mergeCount,
      minPairFrequency: minPairFrequency)
  }

  /// Learns up to `mergeCount` merges from word frequencies (see `learn(sentences:…)`).
  public static func learn(
    wordCounts: [(word: String, count: Int)], mergeCount: Int, minPairFrequency: Int = 2
  ) -> BytePairEncoding {
    var learner = Learner(wordCounts: wordCounts)
    var merges: [String] = []
    merges.reserveCapacity(mergeCount)
    while merges.count < mergeCount, let merge = learner.mergeBest(minCount: max(1, minPairFrequency)) {
      merges.append(merge)
    }
    // Every merge's left symbol ends in the joiner by construction.
    return try! BytePairEncoding(merges: merges)
  }

  /// Incremental pair counting: only the words that contain the merged pair are recounted, and the
  /// best pair comes from a max-heap whose stale entries are checked against the live counts.
  private struct Learner {
    var symbolText: [String] = []
    var symbolID: [String: Int32] = [:]
    var words: [[Int32]] = []
    var wordCounts: [Int] = []
    var pairCounts: [UInt64: Int] = [:]
    /// Words that contained the pair at some point (may hold stale or repeated entries).
    var pairWords: [UInt64: [Int32]] = [:]
    var heap: [(count: Int, pair: UInt64)] = []
    var visited: [Int] = []
    var stamp = 0
    /// Pairs whose count changed during the current merge.
    var touched: Set<UInt64> = []

    init(wordCounts input: [(word: String, count: Int)]) {
      // Sorted words make symbol numbering, and so everything after, independent of input order.
      let sorted = input.filter { !$0.word.isEmpty && $0.count > 0 }
        .sorted { $0.word < $1.word }
      for (word, count) in sorted {
        var symbols = word.map { String($0) + Tokenizer.joinerString }
        symbols[symbols.count - 1].removeLast()
        words.append(symbols.map { intern($0) })
        wordCounts.append(count)
      }
      visited = [Int](repeating: -1, count: words.count)
      for w in words.indices { addPairs(of: w) }
      for (pair, count) in pairCounts { push(count, pair) }
    }

    mutating func intern(_ text: String) -> Int32 {
      if let id = symbolID[text] { return id }
      let id = Int32(symbolText.count)
      symbolText.append(text)
      symbolID[text] = id
      return id
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    mutating func addPairs(of w: Int) {
      let symbols = words[w]
      guard symbols.count > 1 else { return }
      for k in 0..<(symbols.count - 1) {
        let pair = Self.key(symbols[k], symbols[k + 1])
        pairCounts[pair, default: 0] += wordCounts[w]
        pairWords[pair, default: []].append(Int32(w))
        touched.insert(pair)
      }
    }

    mutating func removePairs(of w: Int) {
      let symbols = words[w]
      guard symbols.count > 1 else { return }
      for k in 0..<(symbols.count - 1) {
        let pair = Self.key(symbols[k], symbols[k + 1])
        pairCounts[pair, default: 0] -= wordCounts[w]
      }
    }

    /// Heap order: higher count first; on ties, the pair whose texts sort first.
    func before(_ a: (count: Int, pair: UInt64), _ b: (count: Int, pair: UInt64)) -> Bool {
      if a.count != b.count { return a.count > b.count }
      let (al, ar) = (symbolText[Int(a.pair >> 32)], symbolText[Int(a.pair & 0xFFFF_FFFF)])
      let (bl, br) = (symbolText[Int(b.pair >> 32)], symbolText[Int(b.pair & 0xFFFF_FFFF)])
      return al != bl ? al < bl : ar < br
    }

    mutating func push(_ count: Int, _ pair: UInt64) {
      heap.append((count, pair))
      var i = heap.count - 1
      while i > 0 {
        let parent = (i - 1) / 2
        guard before(heap[i], heap[parent]) else { break }
        heap.swapAt(i, parent)
        i = parent
      }
    }

    mutating func pop() -> (count: Int, pair: UInt64)? {
      guard let top = heap.first else { return nil }
      let last = heap.removeLast()
      if !heap.isEmpty {
        heap[0] = last
        var i = 0
        while true {
          let (l, r) = (2 * i + 1, 2 * i + 2)
          var best = i
          if l < heap.count && before(heap[l], heap[best]) { best = l }
          if r < heap.count && before(heap[r], heap[best]) { best = r }
          if best == i { break }
          heap.swapAt(i, best)
          i = best
        }
      }
      return top
    }

    /// Applies the best pair everywhere and returns it as "left right", or nil when no pair occurs
    /// `minCount` times.
    mutating func mergeBest(minCount: Int) -> String? {
      while let entry = pop() {
        let live = pairCounts[entry.pair] ?? 0
        if live != entry.count {
          // Stale: the count fell since this entry was pushed; requeue the live count.
          if live > 0 { push(live, entry.pair) }
          continue
        }
        guard live >= minCount else { return nil }
        let (a, b) = (Int32(entry.pair >> 32), Int32(truncatingIfNeeded: entry.pair))
        let merged = intern(String(symbolText[Int(a)].dropLast()) + symbolText[Int(b)])
        touched.removeAll(keepingCapacity: true)
        stamp += 1
        for w in pairWords[entry.pair] ?? [] where visited[Int(w)] != stamp {
          visited[Int(w)] = stamp
          let old = words[Int(w)]
          var k = 0
          var new: [Int32] = []
          new.reserveCapacity(old.count)
          while k < old.count {
            if k + 1 < old.count && old[k] == a && old[k + 1] == b {
              new.append(merged)
              k += 2
            } else {
              new.append(old[k])
              k += 1
            }
          }
          guard new.count != old.count else { continue }
          removePairs(of: Int(w))
          words[Int(w)] = new
          addPairs(of: Int(w))
        }
        pairCounts[entry.pair] = nil
        pairWords[entry.pair] = nil
        // A pair that gained occurrences needs an entry with its new count (one that lost some is
        // requeued when its stale entry comes up). Sorted, so the heap's layout is reproducible.
        for pair in touched.sorted() {
          if let count = pairCounts[pair], count > 0 { push(count, pair) }
        }
        return symbolText[Int(a)] + " " + symbolText[Int(b)]
      }
      return nil
    }
  }
}
