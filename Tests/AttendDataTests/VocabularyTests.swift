import Foundation
import XCTest

@testable import AttendData

final class VocabularyTests: XCTestCase {
  private let sentences = [["b", "a", "c"], ["a", "b", "d"], ["a", "e", "c"], ["z"]]
  // Counts: a 3, b 2, c 2, d 1, e 1, z 1.

  func testSpecialTokensHaveTheirFixedIds() {
    let vocabulary = Vocabulary.build(from: sentences)
    XCTAssertEqual(Array(vocabulary.tokens.prefix(4)), ["<pad>", "<unk>", "<s>", "</s>"])
    XCTAssertEqual(vocabulary.id("<pad>"), SpecialToken.pad)
    XCTAssertEqual(vocabulary.id("<unk>"), SpecialToken.unk)
    XCTAssertEqual(vocabulary.id("<s>"), SpecialToken.bos)
    XCTAssertEqual(vocabulary.id("</s>"), SpecialToken.eos)
  }

  func testBuildOrdersByFrequencyThenString() {
    let vocabulary = Vocabulary.build(from: sentences)
    XCTAssertEqual(vocabulary.tokens, SpecialToken.strings + ["a", "b", "c", "d", "e", "z"])
  }

  func testBuildIsIndependentOfSentenceOrder() {
    let reordered = Vocabulary.build(from: sentences.reversed().map { $0.reversed() })
    XCTAssertEqual(reordered, Vocabulary.build(from: sentences))
  }

  func testBuildRespectsMinFrequency() {
    let vocabulary = Vocabulary.build(from: sentences, minFrequency: 2)
    XCTAssertEqual(vocabulary.tokens, SpecialToken.strings + ["a", "b", "c"])
  }

  func testBuildMaxSizeCountsTheSpecials() {
    let vocabulary = Vocabulary.build(from: sentences, maxSize: 6)
    XCTAssertEqual(vocabulary.tokens, SpecialToken.strings + ["a", "b"])
    XCTAssertEqual(vocabulary.count, 6)
    XCTAssertEqual(Vocabulary.build(from: sentences, maxSize: 2).tokens, SpecialToken.strings)
  }

  func testSpecialStringsInTextAreNotAddedTwice() {
    let vocabulary = Vocabulary.build(from: [["<s>", "x", "</s>", "<unk>"]])
    XCTAssertEqual(vocabulary.tokens, SpecialToken.strings + ["x"])
  }

  func testUnknownWordMapsToUnk() {
    let vocabulary = Vocabulary.build(from: sentences)
    XCTAssertEqual(vocabulary.id("never-seen"), SpecialToken.unk)
    XCTAssertEqual(vocabulary.encode(["a", "never-seen", "z"]), [4, SpecialToken.unk, 9])
  }

  func testOutOfRangeIdReadsAsUnk() {
    let vocabulary = Vocabulary.build(from: sentences)
    XCTAssertEqual(vocabulary.token(4), "a")
    XCTAssertEqual(vocabulary.token(-1), "<unk>")
    XCTAssertEqual(vocabulary.token(Int32(vocabulary.count)), "<unk>")
  }

  func testDecodeStopsAtEndOfSentenceAndSkipsPaddingAndStart() {
    let vocabulary = Vocabulary.build(from: sentences)
    XCTAssertEqual(vocabulary.decode([2, 4, 0, 1, 5, 3, 6, 7]), ["a", "<unk>", "b"])
    XCTAssertEqual(vocabulary.decode([3, 4]), [])
  }

  func testInitRejectsMissingSpecialsAndDuplicates() {
    XCTAssertThrowsError(try Vocabulary(tokens: ["a", "<pad>", "<unk>", "<s>", "</s>"]))
    XCTAssertThrowsError(try Vocabulary(tokens: ["<pad>", "<unk>"]))
    XCTAssertThrowsError(try Vocabulary(tokens: SpecialToken.strings + ["a", "b", "a"])) { error in
      XCTAssertTrue("\(error)".contains("\"a\" appears twice (ids 4 and 6)"), "\(error)")
    }
    XCTAssertThrowsError(try Vocabulary(tokens: SpecialToken.strings + ["a b"]))
    XCTAssertNoThrow(try Vocabulary(tokens: SpecialToken.strings))
  }

  func testCodableRoundTripEncodesOnlyTheTokens() throws {
    let vocabulary = Vocabulary.build(from: sentences)
    let json = try JSONEncoder().encode(vocabulary)
    let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
    XCTAssertEqual(object?.keys.sorted(), ["tokens"])
    let decoded = try JSONDecoder().decode(Vocabulary.self, from: json)
    XCTAssertEqual(decoded, vocabulary)
    XCTAssertEqual(decoded.id("c"), vocabulary.id("c"))
  }

  func testDecodingAnInvalidTokenListFails() {
    let json = Data(#"{"tokens":["a","b"]}"#.utf8)
    XCTAssertThrowsError(try JSONDecoder().decode(Vocabulary.self, from: json))
  }
}
