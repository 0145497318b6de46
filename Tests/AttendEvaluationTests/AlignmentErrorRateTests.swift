import AttendData
import XCTest

@testable import AttendEvaluation

/// AER on cases small enough to count by hand.
final class AlignmentErrorRateTests: XCTestCase {
  func link(_ s: Int, _ t: Int, sure: Bool = true) -> AlignmentLink { AlignmentLink(source: s, target: t, sure: sure) }

  func testCountsSureAndPossibleLinksAsOchAndNeyDefineThem() {
    // S = {0-0, 1-1}, P = S ∪ {1-2}; A = {0-0, 1-2, 2-2}.
    // |A∩S| = 1, |A∩P| = 2, |A| = 3, |S| = 2 → AER = 1 − (1 + 2) / (3 + 2) = 0.4.
    let gold = [link(0, 0), link(1, 1), link(1, 2, sure: false)]
    let counts = AlignmentCounts(predicted: [link(0, 0), link(1, 2), link(2, 2)], gold: gold)
    XCTAssertEqual(counts.predicted, 3)
    XCTAssertEqual(counts.sure, 2)
    XCTAssertEqual(counts.predictedSure, 1)
    XCTAssertEqual(counts.predictedPossible, 2)
    XCTAssertEqual(counts.errorRate, 0.4, accuracy: 1e-12)
    XCTAssertEqual(counts.precision, 2.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(counts.recall, 0.5, accuracy: 1e-12)
  }

  func testPredictingTheSureOrAllPossibleLinksIsPerfect() {
    let gold = [link(0, 1), link(1, 0), link(2, 2, sure: false), link(2, 3, sure: false)]
    XCTAssertEqual(AlignmentCounts(predicted: [link(0, 1), link(1, 0)], gold: gold).errorRate, 0)
    // A = P: (|S| + |P|) / (|P| + |S|) = 1, so possible links are never penalised.
    XCTAssertEqual(AlignmentCounts(predicted: gold, gold: gold).errorRate, 0)
    // Predicting nothing against sure links is the worst case; nothing against nothing is perfect.
    XCTAssertEqual(AlignmentCounts(predicted: [], gold: gold).errorRate, 1)
    XCTAssertEqual(AlignmentCounts(predicted: [], gold: []).errorRate, 0)
  }

  func testCorpusAERSumsCountsRatherThanAveragingSentences() {
    // Sentence 1: A = S = {0-0}: AER 0. Sentence 2: S = {0-0, 1-1, 2-2}, A = {0-1}: AER 1.
    // Mean of sentence AERs would be 0.5; the corpus AER is 1 − (1 + 1) / (2 + 4) = 2/3.
    let one = AlignmentCounts(predicted: [link(0, 0)], gold: [link(0, 0)])
    let two = AlignmentCounts(predicted: [link(0, 1)], gold: [link(0, 0), link(1, 1), link(2, 2)])
    XCTAssertEqual((one + two).errorRate, 2.0 / 3, accuracy: 1e-12)
  }

  func testArgmaxLinksEachTargetWordToItsMostAttendedSourceWord() {
    let weights: [[Float]] = [
      [0.1, 0.7, 0.2],
      [0.4, 0.2, 0.4],  // tie: the lower source position
      [0.0, 0.1, 0.9],
      [0.5, 0.3, 0.2],  // the </s> row: not a word
    ]
    let links = AttentionAlignment.links(weights: weights, targetCount: 3, method: .argmax)
    XCTAssertEqual(links, [link(1, 0), link(0, 1), link(2, 2)])
  }

  func testThresholdKeepsEveryLinkAboveIt() {
    let weights: [[Float]] = [[0.1, 0.6, 0.3], [0.45, 0.1, 0.45]]
    let links = AttentionAlignment.links(weights: weights, targetCount: 2, method: .threshold(0.3))
    XCTAssertEqual(links, [link(1, 0), link(0, 1), link(2, 1)])  // 0.3 itself is not above 0.3
  }

  func testReverseTaskAttentionScoredAgainstPharaohGold() throws {
    // A 3-word reversal: gold "0-2 1-1 2-0"; attention that gets the middle word wrong.
    let gold = try PharaohFormat.parse(line: "0-2 1-1 2-0", path: "gold", lineNumber: 1)
    let weights: [[Float]] = [[0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.9, 0.05, 0.05], [0.3, 0.3, 0.4]]
    let predicted = AttentionAlignment.links(weights: weights, targetCount: 3, method: .argmax)
    // A = {2-0, 0-1, 0-2}: |A∩S| = 2 → AER = 1 − 4/6.
    XCTAssertEqual(AlignmentCounts(predicted: predicted, gold: gold).errorRate, 1.0 / 3, accuracy: 1e-12)
  }
}
