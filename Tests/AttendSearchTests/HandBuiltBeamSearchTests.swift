import AttendData
import XCTest

@testable import AttendSearch

/// Beam search on hand-built next-token distributions, where the right answer can be worked out on
/// paper. Tokens: 3 `</s>`, 4 "a", 5 "b" (0–2 are never proposed: probability 0).
final class HandBuiltBeamSearchTests: XCTestCase {
  static let a: Int32 = 4
  static let b: Int32 = 5
  static let eos = SpecialToken.eos

  /// A `StepDecoder` whose next-token probabilities are a function of the source and the prefix.
  final class TableDecoder: StepDecoder {
    let vocabularySize = 6
    let table: (_ source: [Int32], _ prefix: [Int32]) -> [Int32: Double]
    private var sources: [[Int32]] = []
    private var beamSize = 1
    private var prefixes: [[Int32]] = []
    /// [R, V] and [R, S], reallocated by `start`.
    private var logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    private var weights = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    private var stride = 1

    init(_ table: @escaping (_ source: [Int32], _ prefix: [Int32]) -> [Int32: Double]) {
      self.table = table
    }

    deinit {
      logits.deallocate()
      weights.deallocate()
    }

    func start(sources: [[Int32]], beamSize: Int, steps: Int) {
      self.sources = sources
      self.beamSize = beamSize
      let rows = sources.count * beamSize
      prefixes = Array(repeating: [], count: rows)
      logits.deallocate()
      logits = .allocate(capacity: rows * vocabularySize)
      logits.initialize(repeating: 0)
      stride = sources.map(\.count).max()!
      // Uniform attention over each row's real source positions.
      weights.deallocate()
      weights = .allocate(capacity: rows * stride)
      weights.initialize(repeating: 0)
      for r in 0..<rows {
        let n = sources[r / beamSize].count
        for j in 0..<n { weights[r * stride + j] = 1 / Float(n) }
      }
    }

    func step(_ i: Int, inputs: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float> {
      for r in prefixes.indices {
        if i > 0 { prefixes[r].append(inputs[r]) }
        let p = table(sources[r / beamSize], prefixes[r])
        for t in 0..<vocabularySize {
          logits[r * vocabularySize + t] = p[Int32(t)].map { Float(Foundation.log($0)) } ?? -.infinity
        }
      }
      return logits.baseAddress!
    }

    func attentionWeights(step i: Int) -> (pointer: UnsafePointer<Float>, stride: Int) {
      (UnsafePointer(weights.baseAddress!), stride)
    }

    func reorder(afterStep i: Int, parents: UnsafeBufferPointer<Int32>) {
      prefixes = parents.map { prefixes[Int($0)] }
    }
  }

  /// Empty output is the likeliest (log .4 = −0.916); "a" (log .35 + log .95 = −1.101) is the best
  /// per token; "b" (log .25 + log .5 = −2.079) is last however it is scored.
  static let shortVersusLong = TableDecoder { _, prefix in
    switch prefix {
    case []: return [eos: 0.4, a: 0.35, b: 0.25]
    case [a]: return [eos: 0.95, a: 0.05]
    case [b]: return [eos: 0.5, b: 0.5]
    default: return [eos: 1]
    }
  }

  func search(_ decoder: StepDecoder, _ options: SearchOptions, sources: [[Int32]] = [[7]]) -> [[Translation]] {
    BeamSearch.search(decoder, sources: sources, options: options)
  }

  func testWithoutNormalisationTheShortestLikeliestOutputWins() {
    let list = search(Self.shortVersusLong, SearchOptions(beamSize: 3, nBest: 3, maxLengthRatio: 10))[0]
    XCTAssertEqual(list.map(\.tokens), [[], [Self.a], [Self.b]])
    XCTAssertEqual(list.map(\.score), list.map(\.logProbability))
    XCTAssertEqual(list[0].logProbability, log(0.4), accuracy: 1e-5)
    XCTAssertEqual(list[1].logProbability, log(0.35) + log(0.95), accuracy: 1e-5)
    XCTAssertEqual(list[2].logProbability, log(0.25) + log(0.5), accuracy: 1e-5)
  }

  func testAverageNormalisationRanksByLogProbabilityPerToken() {
    let list = search(
      Self.shortVersusLong, SearchOptions(beamSize: 3, nBest: 3, lengthNormalization: .average, maxLengthRatio: 10))[0]
    // "" → −0.916 / 1; "a" → −1.101 / 2 = −0.551; "b" → −2.079 / 2 = −1.040.
    XCTAssertEqual(list.map(\.tokens), [[Self.a], [], [Self.b]])
    XCTAssertEqual(list[0].score, (log(0.35) + log(0.95)) / 2, accuracy: 1e-5)
    XCTAssertEqual(list.map(\.score), list.map(\.score).sorted(by: >))
  }

  func testGNMTPenaltyPrefersLongerOutputsAsAlphaGrows() {
    // lp(|Y|) = ((5 + |Y|) / 6)^α: "" has lp 1; "a" has lp (7/6)^α: −1.101 / 1.097 = −1.004 at
    // α = 0.6 (still behind −0.916), −1.101 / 1.361 = −0.809 at α = 2 (ahead).
    let mild = search(
      Self.shortVersusLong, SearchOptions(beamSize: 3, nBest: 3, lengthNormalization: .gnmt, alpha: 0.6, maxLengthRatio: 10))[0]
    XCTAssertEqual(mild.map(\.tokens), [[], [Self.a], [Self.b]])
    XCTAssertEqual(mild[1].score, (log(0.35) + log(0.95)) / pow(7.0 / 6, 0.6), accuracy: 1e-5)
    let strong = search(
      Self.shortVersusLong, SearchOptions(beamSize: 3, nBest: 3, lengthNormalization: .gnmt, alpha: 2, maxLengthRatio: 10))[0]
    XCTAssertEqual(strong.map(\.tokens), [[Self.a], [], [Self.b]])
  }

  func testMinimumLengthForbidsEndingEarly() {
    let list = search(Self.shortVersusLong, SearchOptions(beamSize: 2, nBest: 2, maxLengthRatio: 10, minLength: 1))[0]
    XCTAssertEqual(list.map(\.tokens), [[Self.a], [Self.b]])
  }

  func testBeamFindsTheBetterOutputThatGreedyMisses() {
    // Greedy takes "a" (.6) and then "a" again (.34): P = .204. "b" then `</s>` has P = .36.
    let decoder = TableDecoder { _, prefix in
      switch prefix {
      case []: return [Self.a: 0.6, Self.b: 0.4]
      case [Self.a]: return [Self.a: 0.34, Self.b: 0.33, Self.eos: 0.33]
      case [Self.b]: return [Self.eos: 0.9, Self.b: 0.1]
      default: return [Self.eos: 1]
      }
    }
    let greedy = search(decoder, SearchOptions(beamSize: 1, maxLengthRatio: 10))[0][0]
    XCTAssertEqual(greedy.tokens, [Self.a, Self.a])
    let beam = search(decoder, SearchOptions(beamSize: 2, maxLengthRatio: 10))[0][0]
    XCTAssertEqual(beam.tokens, [Self.b])
    XCTAssertEqual(beam.logProbability, log(0.4) + log(0.9), accuracy: 1e-5)
  }

  func testLengthLimitForcesTheEndToken() {
    // "a" is always likelier than `</s>`; a 1-token source with ratio 0.1 allows 0 + 5 tokens.
    let decoder = TableDecoder { _, _ in [Self.a: 0.9, Self.eos: 0.1] }
    let greedy = search(decoder, SearchOptions(beamSize: 1, maxLengthRatio: 0.1))[0][0]
    XCTAssertEqual(greedy.tokens, Array(repeating: Self.a, count: 5))
    XCTAssertEqual(greedy.logProbability, 5 * log(0.9) + log(0.1), accuracy: 1e-5)
    XCTAssertEqual(greedy.attention.count, 6)
    // With `</s>` forbidden below 3 tokens and forced at 5, the beam can only finish at 3, 4, 5
    // tokens, and the shorter pays fewer log .9 terms.
    let list = search(decoder, SearchOptions(beamSize: 3, nBest: 3, maxLengthRatio: 0.1, minLength: 3))[0]
    XCTAssertEqual(list.map(\.tokens.count), [3, 4, 5])
    XCTAssertEqual(list[2].logProbability, 5 * log(0.9) + log(0.1), accuracy: 1e-5)
  }

  func testSentencesInOneBatchDoNotInfluenceEachOther() {
    // The source decides which word is likely, so mixed-up rows would give the wrong words.
    let decoder = TableDecoder { source, prefix in
      let word = source[0] == 7 ? Self.a : Self.b
      return prefix.count < source.count ? [word: 0.7, Self.eos: 0.2, 9 - word: 0.1] : [Self.eos: 0.8, word: 0.2]
    }
    let options = SearchOptions(beamSize: 3, nBest: 2, maxLengthRatio: 10)
    let sources: [[Int32]] = [[7, 7], [8, 8, 8], [7], [8]]
    let together = search(decoder, options, sources: sources)
    for (i, source) in sources.enumerated() {
      let alone = search(TableDecoder(decoder.table), options, sources: [source])[0]
      XCTAssertEqual(together[i].map(\.tokens), alone.map(\.tokens))
      XCTAssertEqual(together[i][0].tokens, Array(repeating: source[0] == 7 ? Self.a : Self.b, count: source.count))
      XCTAssertEqual(together[i][0].attention.first?.count, source.count)
    }
  }

  func testUnknownWordsBecomeTheMostAttendedSourceWords() {
    let replaced = UnknownWordReplacement.apply(
      target: ["le", "<unk>", "de", "<unk>", "<unk>"], source: ["Dupont", "'s", "cat", "Zorg"],
      attention: [[0.7, 0.1, 0.1, 0.1], [0.6, 0.2, 0.1, 0.1], [0.1, 0.8, 0.05, 0.05], [0.1, 0.1, 0.1, 0.7], [0.4, 0.1, 0.4, 0.1]])
    // The last <unk> ties between "Dupont" and "cat": the earlier word wins.
    XCTAssertEqual(replaced, ["le", "Dupont", "de", "Zorg", "Dupont"])
    // Without attention for a position, the <unk> stays.
    XCTAssertEqual(UnknownWordReplacement.apply(target: ["<unk>"], source: ["x"], attention: []), ["<unk>"])
  }
}
