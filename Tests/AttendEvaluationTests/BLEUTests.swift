import XCTest

@testable import AttendEvaluation

/// Expected numbers were produced by sacreBLEU 2.6.0 with `BLEU(tokenize='none').corpus_score(...)`
/// (Python is not needed to run these tests); the simple cases are also worked out by hand.
final class BLEUTests: XCTestCase {
  private func tokens(_ lines: [String]) -> [[String]] { lines.map(BLEU.tokenize) }

  func testIdenticalCorpusScoresOneHundred() {
    let lines = ["the cat sat on the mat", "a quick brown fox jumps over the lazy dog"]
    let bleu = BLEU.corpus(hypotheses: tokens(lines), singleReferences: tokens(lines))
    XCTAssertEqual(bleu.score, 100, accuracy: 1e-9)
    XCTAssertEqual(bleu.brevityPenalty, 1)
    XCTAssertEqual(bleu.precisions, [100, 100, 100, 100])
  }

  func testHandComputedSentenceWithSmoothedFourGramPrecision() {
    // hyp "the cat sat on the mat", ref "the cat is on the mat"; c = r = 6, so BP = 1.
    //   1-grams: the×2 cat on mat match, sat does not          → 5/6
    //   2-grams: "the cat" "on the" "the mat" of 5             → 3/5
    //   3-grams: "on the mat" of 4                             → 1/4
    //   4-grams: none of 3; first zero order, 'exp' smoothing  → 1/(2·3) = 1/6
    //   BLEU = 100 · (5/6 · 3/5 · 1/4 · 1/6)^(1/4) = 100 · (1/48)^(1/4) = 37.9918
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("the cat sat on the mat")],
      singleReferences: [BLEU.tokenize("the cat is on the mat")])
    XCTAssertEqual(bleu.counts, [5, 3, 1, 0])
    XCTAssertEqual(bleu.totals, [6, 5, 4, 3])
    XCTAssertEqual(bleu.precisions[3], 100.0 / 6, accuracy: 1e-12)
    XCTAssertEqual(bleu.score, 100 * pow(1.0 / 48, 0.25), accuracy: 1e-9)
    XCTAssertEqual(bleu.score, 37.99178428257963, accuracy: 1e-9)  // sacreBLEU
  }

  func testSecondZeroOrderIsSmoothedTwiceAsHard() {
    // hyp "a b c d e", ref "a b x d e": p1 = 4/5, p2 = 2/4, no 3- or 4-gram matches:
    // p3 = 1/(2·3), p4 = 1/(4·2). sacreBLEU: 30.213753973567677.
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("a b c d e")], singleReferences: [BLEU.tokenize("a b x d e")])
    XCTAssertEqual(bleu.precisions[2], 100.0 / 6, accuracy: 1e-12)
    XCTAssertEqual(bleu.precisions[3], 100.0 / 8, accuracy: 1e-12)
    XCTAssertEqual(bleu.score, 30.213753973567677, accuracy: 1e-9)
  }

  func testShortHypothesisPaysBrevityPenalty() {
    // c = 4, r = 6, all n-grams match: BLEU = 100 · exp(1 − 6/4) = 60.6531.
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("the cat sat on")],
      singleReferences: [BLEU.tokenize("the cat sat on the mat")])
    XCTAssertEqual(bleu.brevityPenalty, exp(-0.5), accuracy: 1e-12)
    XCTAssertEqual(bleu.score, 60.653065971263366, accuracy: 1e-9)
  }

  func testMultipleReferencesUseTheClosestLength() {
    // c = 4; references of length 5 and 8 → r = 5; BLEU = 100 · exp(1 − 5/4) = 77.8801, either order.
    let hypothesis = [BLEU.tokenize("a b c d")]
    let refs = [BLEU.tokenize("a b c d e"), BLEU.tokenize("a b c d e f g h")]
    for order in [refs, Array(refs.reversed())] {
      let bleu = BLEU.corpus(hypotheses: hypothesis, references: [order])
      XCTAssertEqual(bleu.referenceLength, 5)
      XCTAssertEqual(bleu.score, 77.88007830714052, accuracy: 1e-9)
    }
  }

  func testEquallyCloseReferencesPickTheShorter() {
    // c = 4; references of length 3 and 5 are both 1 away → r = 3, so no brevity penalty.
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("a b c d")],
      references: [[BLEU.tokenize("a b c d e"), BLEU.tokenize("a b c")]])
    XCTAssertEqual(bleu.referenceLength, 3)
    XCTAssertEqual(bleu.brevityPenalty, 1)
    XCTAssertEqual(bleu.score, 100, accuracy: 1e-9)
  }

  func testMatchesAreClippedByTheMostGenerousSingleReference() {
    // "the" occurs 4 times in the hypothesis, at most twice in any one reference → 2 matches.
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("the the the the")],
      references: [[BLEU.tokenize("the cat the"), BLEU.tokenize("the the x y")]])
    XCTAssertEqual(bleu.counts, [2, 1, 0, 0])
    XCTAssertEqual(bleu.score, 31.947155212313625, accuracy: 1e-9)
  }

  func testHypothesisShorterThanFourTokensScoresZero() {
    // No 4-grams anywhere in the corpus: sacreBLEU stops at that order and the score is 0.
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("the cat sat")],
      singleReferences: [BLEU.tokenize("the cat sat on the mat")])
    XCTAssertEqual(bleu.score, 0)
    XCTAssertEqual(bleu.precisions, [100, 100, 100, 0])
    XCTAssertEqual(bleu.brevityPenalty, exp(-1), accuracy: 1e-12)
  }

  func testCorpusStatisticsAreSummedBeforeScoring() {
    let hyps = ["the quick brown fox jumps over the dog", "a b c d e f", "hello world", ""]
    let refs = ["the quick brown fox jumped over the lazy dog", "a b c x e f", "hello there world", "nothing here"]
    let bleu = BLEU.corpus(hypotheses: tokens(hyps), singleReferences: tokens(refs))
    XCTAssertEqual(bleu.counts, [14, 7, 3, 1])
    XCTAssertEqual(bleu.totals, [16, 13, 10, 8])
    XCTAssertEqual(bleu.hypothesisLength, 16)
    XCTAssertEqual(bleu.referenceLength, 20)
    XCTAssertEqual(bleu.score, 28.39388909289994, accuracy: 1e-9)
  }

  func testCorpusWithTwoReferencesPerSegmentMatchesSacreBLEU() {
    let hyps = ["the quick brown fox jumps over the dog", "a b c d e f"]
    let refs = [
      ["the quick brown fox jumped over the lazy dog", "a fast brown fox jumps over a dog"],
      ["a b c x e f", "a b y d e f g h"],
    ]
    let bleu = BLEU.corpus(hypotheses: tokens(hyps), references: refs.map(tokens))
    XCTAssertEqual(bleu.counts, [14, 10, 6, 2])
    XCTAssertEqual(bleu.score, 59.460355750136046, accuracy: 1e-9)
  }

  func testNoMatchesScoresZeroWithZeroPrecisions() {
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("x y z w")], singleReferences: [BLEU.tokenize("a b c d")])
    XCTAssertEqual(bleu.score, 0)
    XCTAssertEqual(bleu.precisions, [0, 0, 0, 0])
  }

  func testEmptyCorpusAndEmptyHypothesesScoreZero() {
    let empty = BLEU.corpus(hypotheses: [], references: [])
    XCTAssertEqual(empty.score, 0)
    XCTAssertEqual(empty.hypothesisLength, 0)
    let blank = BLEU.corpus(hypotheses: [[]], singleReferences: [BLEU.tokenize("a b c")])
    XCTAssertEqual(blank.score, 0)
    XCTAssertEqual(blank.brevityPenalty, 0)
    XCTAssertEqual(blank.referenceLength, 3)
    XCTAssertEqual(blank.lengthRatio, 0)
  }

  func testDescriptionFollowsSacreBLEUFormat() {
    let bleu = BLEU.corpus(
      hypotheses: [BLEU.tokenize("the cat sat on the mat")],
      singleReferences: [BLEU.tokenize("the cat is on the mat")])
    XCTAssertEqual(
      bleu.description,
      "BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)")
  }

  func testSignatureNamesTheSettings() {
    XCTAssertEqual(BLEU.signature, "nrefs:1|case:mixed|eff:no|tok:none|smooth:exp|version:attend-1")
    XCTAssertTrue(BLEU.signature(referenceCount: 2).hasPrefix("nrefs:2|"))
  }
}
