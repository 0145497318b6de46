import Foundation
import XCTest

@testable import AttendData

final class BytePairEncodingTests: XCTestCase {
  private let j = Tokenizer.joinerString

  func testLearnsTheMostFrequentPairFirstWithTiesBrokenByText() {
    // Pairs: (a￭ b) 3, (a￭ b￭) 2, (b￭ c) 3. (a￭ b) and (b￭ c) tie; "a￭" sorts first. After
    // merging both, "abc" is a￭ bc (count 2), the last pair that occurs twice.
    let bpe = BytePairEncoding.learn(
      wordCounts: [("ab", 3), ("abc", 2), ("bc", 1)], mergeCount: 10)
    XCTAssertEqual(bpe.merges, ["a\(j) b", "b\(j) c", "a\(j) bc"])
  }

  func testStopsAtTheMergeCountAndAtPairsSeenOnce() {
    let counts: [(word: String, count: Int)] = [("ab", 3), ("abc", 2), ("bc", 1)]
    XCTAssertEqual(BytePairEncoding.learn(wordCounts: counts, mergeCount: 1).merges, ["a\(j) b"])
    XCTAssertEqual(BytePairEncoding.learn(wordCounts: [("xyz", 1)], mergeCount: 5).merges, [])
    XCTAssertEqual(
      BytePairEncoding.learn(wordCounts: [("xyz", 1)], mergeCount: 5, minPairFrequency: 1).merges,
      ["x\(j) y\(j)", "xy\(j) z"])
  }

  func testSegmentReplaysMergesInOrderWithContinuationMarks() throws {
    let bpe = try BytePairEncoding(merges: ["a\(j) b", "b\(j) c", "a\(j) bc"])
    XCTAssertEqual(bpe.segment("abc"), ["abc"])
    XCTAssertEqual(bpe.segment("cab"), ["c\(j)", "ab"])
    XCTAssertEqual(bpe.segment("abb"), ["a\(j)", "b\(j)", "b"])
    // A word-final "b" and an inner "b￭" are different symbols: "ab" inside a word is not merged.
    XCTAssertEqual(bpe.segment("abd"), ["a\(j)", "b\(j)", "d"])
    XCTAssertEqual(bpe.segment("x"), ["x"])
  }

  func testLearningIgnoresInputOrder() {
    let counts: [(word: String, count: Int)] = [
      ("lower", 2), ("low", 5), ("newest", 6), ("widest", 3), ("new", 2),
    ]
    let a = BytePairEncoding.learn(wordCounts: counts, mergeCount: 30)
    let b = BytePairEncoding.learn(wordCounts: counts.reversed(), mergeCount: 30)
    XCTAssertEqual(a.merges, b.merges)
    XCTAssertFalse(a.merges.isEmpty)
    // Frequent words end up whole.
    XCTAssertEqual(a.segment("newest"), ["newest"])
    XCTAssertEqual(a.segment("low"), ["low"])
  }

  func testPiecesDetokenizeToTheOriginalTextForManyLines() throws {
    let tokenizer = Tokenizer(normalization: .nfc, splitPunctuation: true)
    let lines = [
      "Je suis fatigué.", "Nous sommes très fatiguées !", "Il est déjà là, n'est-ce pas ?",
      "I'm heading home... (finally)", "Ça coûte 3,50 € ou $4.", "Ils sont à l'école aujourd'hui.",
      "Un élève étranger étudie l'économie européenne.",
    ]
    let sentences = lines.map(tokenizer.tokenize)
    let bpe = BytePairEncoding.learn(sentences: sentences, mergeCount: 40)
    XCTAssertGreaterThan(bpe.merges.count, 10)
    let unseen = ["Elles étudient l'été, déjà !", "Zyx?"]
    for line in lines + unseen {
      let pieces = bpe.apply(tokenizer.tokenize(line))
      XCTAssertEqual(tokenizer.detokenize(pieces), line, "\(pieces)")
      XCTAssertFalse(pieces.contains { $0.isEmpty || $0 == j || $0.contains(where: \.isWhitespace) })
    }
    // The cached batch form gives the same pieces.
    XCTAssertEqual(bpe.apply(sentences: sentences), sentences.map(bpe.apply))
  }

  func testPunctuationTokensKeepTheirMarksOnTheOuterPieces() throws {
    let bpe = try BytePairEncoding(merges: [])
    XCTAssertEqual(bpe.apply(["\(j)...\(j)"]), ["\(j).\(j)", ".\(j)", ".\(j)"])
    XCTAssertEqual(Tokenizer().detokenize(["a"] + bpe.apply(["\(j)...\(j)"]) + ["b"]), "a...b")
  }

  func testInvalidMergesAreRejected() {
    XCTAssertThrowsError(try BytePairEncoding(merges: ["a b"]))  // left symbol lacks ￭
    XCTAssertThrowsError(try BytePairEncoding(merges: ["a\(j)b"]))
    XCTAssertThrowsError(try BytePairEncoding(merges: ["a\(j) b c"]))
    XCTAssertThrowsError(try BytePairEncoding(merges: ["a\(j) "])) { error in
      XCTAssertTrue("\(error)".contains("merge 1"), "\(error)")
    }
  }

  func testCodableStoresOnlyTheMerges() throws {
    let bpe = try BytePairEncoding(merges: ["a\(j) b", "b\(j) c"])
    let json = try JSONEncoder().encode(bpe)
    let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
    XCTAssertEqual(object?.keys.sorted(), ["merges"])
    let decoded = try JSONDecoder().decode(BytePairEncoding.self, from: json)
    XCTAssertEqual(decoded.segment("cab"), bpe.segment("cab"))
    XCTAssertThrowsError(
      try JSONDecoder().decode(BytePairEncoding.self, from: Data(#"{"merges":["a b"]}"#.utf8)))
  }
}
