import Foundation
import XCTest

@testable import AttendData

final class DataSplitTests: XCTestCase {
  /// 300 pairs over 120 source sentences; some have several translations and case/spacing variants.
  private func corpus() -> [RawPair] {
    (0..<300).map { i in
      let sentence = i % 120
      let source = i % 7 == 0 ? "Sentence \(sentence)!" : "sentence \(sentence) !"
      return RawPair(source: source, target: "translation \(i)", line: i + 1)
    }
  }

  func testCarvingIsDeterministicForASeedAndKeepsCorpusOrder() throws {
    let a = try DataSplit.carve(corpus(), devSize: 30, testSize: 20, seed: 5)
    let b = try DataSplit.carve(corpus(), devSize: 30, testSize: 20, seed: 5)
    let c = try DataSplit.carve(corpus(), devSize: 30, testSize: 20, seed: 6)
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a.dev, c.dev)
    for split in [a.train, a.dev, a.test] {
      XCTAssertEqual(split.map(\.line), split.map(\.line).sorted())
    }
  }

  func testEveryPairLandsInExactlyOneSplitWithinTheSizes() throws {
    let pairs = corpus()
    let result = try DataSplit.carve(pairs, devSize: 30, testSize: 20, seed: 1)
    XCTAssertLessThanOrEqual(result.dev.count, 30)
    XCTAssertLessThanOrEqual(result.test.count, 20)
    XCTAssertGreaterThan(result.dev.count, 20)
    XCTAssertGreaterThan(result.test.count, 10)
    let all = (result.train + result.dev + result.test).map(\.line).sorted()
    XCTAssertEqual(all, pairs.map(\.line))
  }

  func testEqualSourcesUpToCaseAndSpacingStayTogether() throws {
    let result = try DataSplit.carve(corpus(), devSize: 30, testSize: 20, seed: 2)
    func keys(_ split: [RawPair]) -> Set<String> { Set(split.map { DataSplit.groupKey($0.source) }) }
    XCTAssertEqual(DataSplit.groupKey("Sentence 3!"), DataSplit.groupKey("sentence 3 !"))
    XCTAssertTrue(keys(result.train).isDisjoint(with: keys(result.dev)))
    XCTAssertTrue(keys(result.train).isDisjoint(with: keys(result.test)))
    XCTAssertTrue(keys(result.dev).isDisjoint(with: keys(result.test)))
  }

  func testImpossibleSizesAreErrors() {
    XCTAssertThrowsError(try DataSplit.carve(corpus(), devSize: 200, testSize: 100, seed: 1)) { error in
      XCTAssertTrue("\(error)".contains("leaves none of the 300 pairs for training"), "\(error)")
    }
    // Every group has 2-3 pairs: a dev set of 1 cannot hold a whole group.
    XCTAssertThrowsError(try DataSplit.carve(corpus(), devSize: 1, testSize: 0, seed: 1))
  }
}

final class LengthFilterTests: XCTestCase {
  func testDropsAndCountsEachPairUnderItsFirstReason() {
    // (source length, target length)
    let items = [(3, 3), (60, 2), (3, 70), (90, 90), (0, 4), (4, 0), (50, 50), (1, 1)]
    let limits = LengthLimits(minSource: 1, maxSource: 50, minTarget: 1, maxTarget: 50)
    let (kept, report) = LengthFilterReport.filter(items, limits: limits, sourceLength: \.0, targetLength: \.1)
    XCTAssertEqual(kept.map(\.0), [3, 50, 1])
    XCTAssertEqual(report.kept, 3)
    XCTAssertEqual(
      report.dropped,
      [.sourceTooLong: 2, .targetTooLong: 1, .sourceTooShort: 1, .targetTooShort: 1])
    XCTAssertEqual(
      report.summary,
      "kept 3 of 8 pairs; dropped 5 (source_too_long 2 (> 50 tokens); target_too_long 1 (> 50 tokens); "
        + "source_too_short 1 (< 1 tokens); target_too_short 1 (< 1 tokens))")
  }

  func testPerSideLimits() {
    let limits = LengthLimits(minSource: 2, maxSource: 5, minTarget: 1, maxTarget: 10)
    XCTAssertNil(limits.dropReason(sourceLength: 5, targetLength: 10))
    XCTAssertEqual(limits.dropReason(sourceLength: 6, targetLength: 10), .sourceTooLong)
    XCTAssertEqual(limits.dropReason(sourceLength: 1, targetLength: 10), .sourceTooShort)
    XCTAssertEqual(limits.dropReason(sourceLength: 3, targetLength: 11), .targetTooLong)
  }
}

final class TextPipelineTests: XCTestCase {
  private func pipeline() throws -> TextPipeline {
    let tokenizer = Tokenizer(lowercase: true, normalization: .nfc, splitPunctuation: true)
    let lines = ["Je suis fatigué.", "Je suis très fatiguée !", "Tu es fatigué ?", "Je suis là."]
    let bpe = BytePairEncoding.learn(sentences: lines.map(tokenizer.tokenize), mergeCount: 15)
    let processor = TextProcessor(tokenizer: tokenizer, bpe: bpe)
    let pieces = processor.pieces(lines: lines)
    let vocabulary = Vocabulary.build(from: pieces)
    return TextPipeline(
      preprocessing: TextPreprocessing(source: processor, target: processor),
      sourceVocabulary: vocabulary, targetVocabulary: vocabulary)
  }

  func testEncodeThenDecodeGivesTheNormalisedLine() throws {
    let p = try pipeline()
    for line in ["Je suis fatigué.", "Tu es là ?", "JE SUIS TRÈS FATIGUÉE !"] {
      let ids = p.encodeSource(line)
      XCTAssertFalse(ids.contains(SpecialToken.unk), line)
      XCTAssertEqual(p.decodeTarget(ids + [SpecialToken.eos, 7]), p.targetReference(line))
      XCTAssertEqual(p.targetReference(line), line.lowercased())
    }
    XCTAssertEqual(p.encodeSource(" \u{00A0}"), [])
  }

  func testUnknownCharactersBecomeUnk() throws {
    let p = try pipeline()
    XCTAssertTrue(p.encodeSource("Zoé").contains(SpecialToken.unk))
  }

  func testPreprocessingRoundTripsThroughJSON() throws {
    let p = try pipeline()
    let json = try JSONEncoder().encode(p.preprocessing)
    XCTAssertEqual(try JSONDecoder().decode(TextPreprocessing.self, from: json), p.preprocessing)
  }

  func testWholeWordsIsWhitespaceSplitting() {
    let legacy = TextPreprocessing.wholeWords(lowercase: true)
    XCTAssertEqual(legacy.source.pieces("Le  Chat!"), ["le", "chat!"])
    XCTAssertNil(legacy.target.bpe)
  }
}
