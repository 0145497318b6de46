import Foundation
import XCTest

@testable import AttendData

/// Every bad-input case of the issue, for both readers and both policies: missing file, parallel
/// files of different lengths, invalid UTF-8, a line with no tab, an empty side.
final class CorpusReaderTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try makeTemporaryDirectory(self)
  }

  private func file(_ name: String, bytes: [UInt8]) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  private func file(_ name: String, _ text: String) throws -> String {
    try file(name, bytes: Array(text.utf8))
  }

  func testTSVReadsChosenColumnsInEitherDirection() throws {
    let path = try file("x.tsv", "Hello .\tBonjour .\tCC-BY attribution\nGo !\tVa !\tmore\n")
    let (forward, report) = try CorpusReader.read(.tsv(path: path))
    XCTAssertEqual(forward, [
      RawPair(source: "Hello .", target: "Bonjour .", line: 1), RawPair(source: "Go !", target: "Va !", line: 2),
    ])
    XCTAssertEqual(report.lines, 2)
    XCTAssertEqual(report.pairs, 2)
    let (backward, _) = try CorpusReader.read(.tsv(path: path, sourceColumn: 1, targetColumn: 0))
    XCTAssertEqual(backward.map(\.source), ["Bonjour .", "Va !"])
    XCTAssertEqual(backward.map(\.target), ["Hello .", "Go !"])
  }

  func testParallelFilesPairLineByLine() throws {
    let en = try file("train.en", "Hello .\r\nGo !\n")
    let fr = try file("train.fr", "Bonjour .\nVa !")
    let (pairs, report) = try CorpusReader.read(.parallel(source: en, target: fr))
    XCTAssertEqual(pairs, [
      RawPair(source: "Hello .", target: "Bonjour .", line: 1), RawPair(source: "Go !", target: "Va !", line: 2),
    ])
    XCTAssertEqual(report.summary, "2 lines, 2 pairs")
    let (reversed, _) = try CorpusReader.read(.parallel(source: fr, target: en))
    XCTAssertEqual(reversed.first, RawPair(source: "Bonjour .", target: "Hello .", line: 1))
  }

  func testMissingFileIsAnErrorNamingTheFile() throws {
    let absent = directory.appendingPathComponent("absent.en").path
    let present = try file("present.fr", "a\n")
    for source in [CorpusSource.tsv(path: absent), .parallel(source: absent, target: present)] {
      for policy in BadLinePolicy.allCases {
        XCTAssertThrowsDataError(try CorpusReader.read(source, badLines: policy), .fileNotFound(path: absent))
      }
    }
    XCTAssertThrowsDataError(
      try CorpusReader.read(.parallel(source: present, target: absent)), .fileNotFound(path: absent))
  }

  func testLineCountMismatchIsAnErrorEvenWhenSkipping() throws {
    let en = try file("a.en", "one\ntwo\nthree\n")
    let fr = try file("a.fr", "un\ndeux\n")
    for policy in BadLinePolicy.allCases {
      XCTAssertThrowsDataError(
        try CorpusReader.read(.parallel(source: en, target: fr), badLines: policy),
        .lineCountMismatch(sourcePath: en, sourceLines: 3, targetPath: fr, targetLines: 2))
    }
    XCTAssertEqual(
      DataError.lineCountMismatch(sourcePath: "a.en", sourceLines: 3, targetPath: "a.fr", targetLines: 2).description,
      "a.en has 3 lines but a.fr has 2; expected line-parallel files (line n of one translates line n of the other)")
  }

  func testInvalidUTF8IsAnErrorOrACountedSkip() throws {
    let bytes = Array("a\tb\n".utf8) + [0x63, 0xC3, 0x28, 0x09, 0x64, 0x0A] + Array("e\tf\n".utf8)
    let tsv = try file("bad.tsv", bytes: bytes)
    XCTAssertThrowsDataError(try CorpusReader.read(.tsv(path: tsv)), .invalidUTF8(path: tsv, line: 2))
    let (pairs, report) = try CorpusReader.read(.tsv(path: tsv), badLines: .skip)
    XCTAssertEqual(pairs.map(\.line), [1, 3])
    XCTAssertEqual(report.skipped, [.invalidUTF8: 1])
    XCTAssertEqual(report.skippedLines, [.invalidUTF8: [2]])

    let en = try file("p.en", "fine\nfine too\n")
    let fr = try file("p.fr", bytes: Array("bien\n".utf8) + [0xFF, 0x0A])
    XCTAssertThrowsDataError(
      try CorpusReader.read(.parallel(source: en, target: fr)), .invalidUTF8(path: fr, line: 2))
    let (kept, parallelReport) = try CorpusReader.read(.parallel(source: en, target: fr), badLines: .skip)
    XCTAssertEqual(kept.map(\.line), [1])
    XCTAssertEqual(parallelReport.skipped, [.invalidUTF8: 1])
  }

  func testLineWithoutTabIsAnErrorOrACountedSkip() throws {
    let tsv = try file("x.tsv", "a\tb\nno tab here\nc\td\n\n")
    XCTAssertThrowsDataError(try CorpusReader.read(.tsv(path: tsv)), .missingTab(path: tsv, line: 2))
    let (pairs, report) = try CorpusReader.read(.tsv(path: tsv), badLines: .skip)
    XCTAssertEqual(pairs.map(\.line), [1, 3])
    // The blank line 4 has no tab either.
    XCTAssertEqual(report.skipped, [.missingTab: 2])
    XCTAssertEqual(report.summary, "4 lines, 2 pairs; skipped 2 bad lines (missing_tab 2: lines 2, 4)")
  }

  func testMissingColumnIsAnErrorOrACountedSkip() throws {
    let tsv = try file("x.tsv", "a\tb\tc\nd\te\n")
    XCTAssertThrowsDataError(
      try CorpusReader.read(.tsv(path: tsv, sourceColumn: 2, targetColumn: 0)),
      .missingColumn(path: tsv, line: 2, column: 2, found: 2))
    let (pairs, report) = try CorpusReader.read(.tsv(path: tsv, sourceColumn: 2, targetColumn: 0), badLines: .skip)
    XCTAssertEqual(pairs, [RawPair(source: "c", target: "a", line: 1)])
    XCTAssertEqual(report.skipped, [.missingColumn: 1])
  }

  func testEmptySideIsAnErrorOrACountedSkip() throws {
    let tsv = try file("x.tsv", "a\tb\n\tb\nc\t\u{00A0}\u{202F}\nd\te\n")
    XCTAssertThrowsDataError(
      try CorpusReader.read(.tsv(path: tsv)), .emptySide(path: tsv, line: 2, side: "source"))
    let (pairs, report) = try CorpusReader.read(.tsv(path: tsv), badLines: .skip)
    XCTAssertEqual(pairs.map(\.line), [1, 4])
    XCTAssertEqual(report.skipped, [.emptySource: 1, .emptyTarget: 1])

    let en = try file("e.en", "a\n\nc\n")
    let fr = try file("e.fr", "x\ny\n \n")
    XCTAssertThrowsDataError(
      try CorpusReader.read(.parallel(source: en, target: fr)), .emptySide(path: en, line: 2, side: "source"))
    let (kept, parallelReport) = try CorpusReader.read(.parallel(source: en, target: fr), badLines: .skip)
    XCTAssertEqual(kept.map(\.line), [1])
    XCTAssertEqual(parallelReport.skipped, [.emptySource: 1, .emptyTarget: 1])
  }

  func testSkipReportKeepsTheFirstLineNumbersAndCountsAll() throws {
    let text = (1...9).map { $0 % 2 == 0 ? "no tab \($0)" : "s\($0)\tt\($0)" }.joined(separator: "\n")
    let tsv = try file("many.tsv", text + "\n" + (10...20).map { "bad \($0)" }.joined(separator: "\n"))
    let (_, report) = try CorpusReader.read(.tsv(path: tsv), badLines: .skip)
    XCTAssertEqual(report.skipped[.missingTab], 4 + 11)
    XCTAssertEqual(report.skippedLines[.missingTab], [2, 4, 6, 8, 10])
    XCTAssertTrue(report.summary.hasSuffix("(missing_tab 15: lines 2, 4, 6, 8, 10, …)"), report.summary)
  }

  func testAFileWithNoUsablePairIsAnError() throws {
    let empty = try file("empty.tsv", "")
    XCTAssertThrowsDataError(try CorpusReader.read(.tsv(path: empty), badLines: .skip), .emptyCorpus(path: empty))
    let allBad = try file("bad.tsv", "x\ny\n")
    XCTAssertThrowsError(try CorpusReader.read(.tsv(path: allBad), badLines: .skip)) { error in
      XCTAssertTrue("\(error)".hasPrefix("\(allBad): no sentence pair is left to use: all 2 lines were skipped"), "\(error)")
    }
    let en = try file("z.en", "")
    let fr = try file("z.fr", "")
    XCTAssertThrowsError(try CorpusReader.read(.parallel(source: en, target: fr)))
  }

  func testAVeryLongLineIsReadWhole() throws {
    // A 10,000-word line is a valid pair for the reader; the length filter (LengthFilterTests,
    // TrainingDataTests) is what drops and counts it.
    let long = (0..<10_000).map { "w\($0 % 97)" }.joined(separator: " ")
    let tsv = try file("long.tsv", "a\tb\n\(long)\tc\n")
    let (pairs, _) = try CorpusReader.read(.tsv(path: tsv))
    XCTAssertEqual(Tokenizer().tokenize(pairs[1].source).count, 10_000)
  }
}
