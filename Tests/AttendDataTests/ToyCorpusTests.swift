import Foundation
import XCTest

@testable import AttendData

final class ToyCorpusTests: XCTestCase {
  private func small(seed: UInt64) -> ToyCorpus {
    ToyCorpus.generate(task: .reverse, seed: seed, trainCount: 2000, devCount: 100, testCount: 100)
  }

  func testReverseCorpusIsDeterministicForASeed() {
    let a = small(seed: 7)
    let b = small(seed: 7)
    XCTAssertEqual(a.train, b.train)
    XCTAssertEqual(a.dev, b.dev)
    XCTAssertEqual(a.test, b.test)
    XCTAssertEqual(a.trainAlignments, b.trainAlignments)
    XCTAssertNotEqual(a.train, small(seed: 8).train)
  }

  func testReverseTargetsAreReversedSources() {
    let corpus = small(seed: 1)
    for pair in corpus.train + corpus.dev + corpus.test {
      let n = pair.source.count
      XCTAssertEqual(pair.target.count, n)
      for j in 0..<n { XCTAssertEqual(pair.target[j], pair.source[n - 1 - j]) }
    }
  }

  func testSourcesRespectLengthRangeAndWordRange() {
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 3, trainCount: 3000, devCount: 50, testCount: 50, minLength: 3,
      maxLength: 5, vocabularySize: 10)
    let lengths = Set(corpus.train.map(\.source.count))
    XCTAssertEqual(lengths, [3, 4, 5])
    let words = Set(corpus.train.flatMap(\.source))
    XCTAssertEqual(words, Set((0..<10).map(String.init)))
  }

  func testReverseAlignmentsLinkEachTargetWordToItsSourceWord() {
    let corpus = small(seed: 2)
    let splits = [
      (corpus.train, corpus.trainAlignments), (corpus.dev, corpus.devAlignments),
      (corpus.test, corpus.testAlignments),
    ]
    for (pairs, alignments) in splits {
      XCTAssertEqual(pairs.count, alignments.count)
      for (pair, links) in zip(pairs, alignments) {
        let n = pair.source.count
        XCTAssertEqual(links.count, n)
        XCTAssertEqual(Set(links.map(\.target)), Set(0..<n))
        for link in links {
          XCTAssertTrue(link.sure)
          XCTAssertEqual(link.source, n - 1 - link.target)
          XCTAssertEqual(pair.source[link.source], pair.target[link.target])
        }
      }
    }
  }

  func testDevAndTestAreDisjointFromTrainAndEachOther() {
    // Short sentences over few words collide often, so the redraw path is exercised.
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 5, trainCount: 300, devCount: 30, testCount: 30, minLength: 2,
      maxLength: 3, vocabularySize: 6)
    XCTAssertEqual(corpus.dev.count, 30)
    XCTAssertEqual(corpus.test.count, 30)
    let train = Set(corpus.train.map(\.source))
    let dev = Set(corpus.dev.map(\.source))
    let test = Set(corpus.test.map(\.source))
    XCTAssertEqual(dev.count, 30)
    XCTAssertEqual(test.count, 30)
    XCTAssertTrue(train.isDisjoint(with: dev))
    XCTAssertTrue(train.isDisjoint(with: test))
    XCTAssertTrue(dev.isDisjoint(with: test))
  }

  func testWrittenFilesReadBackAndReadmeGivesTheCommand() throws {
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 9, trainCount: 50, devCount: 5, testCount: 5)
    let directory = try makeTemporaryDirectory(self).appendingPathComponent("reverse").path
    try corpus.write(to: directory)
    func path(_ name: String) -> String { directory + "/" + name }
    let tokenizer = Tokenizer()
    XCTAssertEqual(try ParallelCorpus.readTSV(path: path("train.tsv"), tokenizer: tokenizer), corpus.train)
    XCTAssertEqual(try ParallelCorpus.readTSV(path: path("dev.tsv"), tokenizer: tokenizer), corpus.dev)
    XCTAssertEqual(try ParallelCorpus.readTSV(path: path("test.tsv"), tokenizer: tokenizer), corpus.test)
    XCTAssertEqual(try PharaohFormat.read(path: path("train.align")), corpus.trainAlignments)
    XCTAssertEqual(try PharaohFormat.read(path: path("dev.align")), corpus.devAlignments)
    XCTAssertEqual(try PharaohFormat.read(path: path("test.align")), corpus.testAlignments)
    let readme = try String(contentsOfFile: path("README.md"), encoding: .utf8)
    XCTAssertTrue(
      readme.contains(
        "attend corpus generate reverse --seed 9 --train-count 50 --dev-count 5 --test-count 5 "
          + "--out \(directory)"), readme)
  }

  func testCommandLineLeavesOutDefaults() {
    let corpus = ToyCorpus.generate(task: .reverse, seed: 1, trainCount: 10, devCount: 2, testCount: 2)
    var defaults = corpus
    defaults.train = Array(repeating: corpus.train[0], count: ToyCorpus.defaultTrainCount)
    defaults.dev = Array(repeating: corpus.dev[0], count: ToyCorpus.defaultDevCount)
    defaults.test = Array(repeating: corpus.test[0], count: ToyCorpus.defaultTestCount)
    XCTAssertEqual(
      defaults.commandLine(directory: "corpora/reverse"),
      "attend corpus generate reverse --seed 1 --out corpora/reverse")
  }

  /// Writes the corpus shipped in `corpora/reverse` when ATTEND_WRITE_CORPUS names the output
  /// directory: `ATTEND_WRITE_CORPUS=corpora/reverse swift test --filter
  /// testWriteShippedReverseCorpusWhenRequested`.
  func testWriteShippedReverseCorpusWhenRequested() throws {
    guard var directory = ProcessInfo.processInfo.environment["ATTEND_WRITE_CORPUS"],
      !directory.isEmpty
    else {
      throw XCTSkip("set ATTEND_WRITE_CORPUS to an output directory to write the shipped corpus")
    }
    // Record a path relative to the package root in the README when possible.
    let root = FileManager.default.currentDirectoryPath + "/"
    if directory.hasPrefix(root) { directory.removeFirst(root.count) }
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 1, trainCount: 20000, devCount: 500, testCount: 500, minLength: 2,
      maxLength: 12, vocabularySize: 50)
    try corpus.write(to: directory)
    XCTAssertEqual(
      try ParallelCorpus.readTSV(path: directory + "/train.tsv", tokenizer: Tokenizer()).count,
      20000)
  }
}
