import Foundation
import XCTest

@testable import AttendData

final class ParallelCorpusTests: XCTestCase {
  private func file(_ name: String, bytes: [UInt8]) throws -> String {
    let url = try makeTemporaryDirectory(self).appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  private func file(_ name: String, _ text: String) throws -> String {
    try file(name, bytes: Array(text.utf8))
  }

  func testReadsPairsWithCRLFExtraColumnsAndTrailingNewline() throws {
    let path = try file("x.tsv", "a b\tA B\tignored\r\nc\u{00A0}d\tC\r\n")
    let pairs = try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer())
    XCTAssertEqual(
      pairs,
      [
        SentencePair(source: ["a", "b"], target: ["A", "B"]),
        SentencePair(source: ["c", "d"], target: ["C"]),
      ])
  }

  func testReadsChosenColumns() throws {
    let path = try file("x.tsv", "id1\tHallo Welt\thello world\n")
    let pairs = try ParallelCorpus.readTSV(
      path: path, tokenizer: Tokenizer(lowercase: true), sourceColumn: 2, targetColumn: 1)
    XCTAssertEqual(pairs, [SentencePair(source: ["hello", "world"], target: ["hallo", "welt"])])
  }

  func testMissingTabErrorNamesFileAndLine() throws {
    let path = try file("x.tsv", "a\tb\nno tab here\nc\td\n")
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer()),
      .missingTab(path: path, line: 2))
    XCTAssertEqual(
      DataError.missingTab(path: "corpora/x.tsv", line: 12).description,
      "corpora/x.tsv:12: expected a tab between source and target, found none")
  }

  func testInvalidUTF8ErrorNamesFileAndLine() throws {
    // Line 3 holds a lone continuation byte 0x80 and a 0xFF, neither valid UTF-8.
    let bytes: [UInt8] = Array("a\tb\nc\td\n".utf8) + [0x65, 0x80, 0x09, 0xFF, 0x0A]
    let path = try file("bad.tsv", bytes: bytes)
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer()),
      .invalidUTF8(path: path, line: 3))
    XCTAssertEqual(
      DataError.invalidUTF8(path: "bad.tsv", line: 3).description,
      "bad.tsv:3: expected UTF-8 text, found bytes that are not valid UTF-8")
  }

  func testEmptySideErrorNamesFileLineAndSide() throws {
    let target = try file("t.tsv", "a\tb\nc d\t \u{00A0}\n")
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: target, tokenizer: Tokenizer()),
      .emptySide(path: target, line: 2, side: "target"))
    let source = try file("s.tsv", "\tb\n")
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: source, tokenizer: Tokenizer()),
      .emptySide(path: source, line: 1, side: "source"))
    XCTAssertEqual(
      DataError.emptySide(path: "s.tsv", line: 1, side: "source").description,
      "s.tsv:1: expected at least one source token, found an empty source side")
  }

  func testMissingColumnErrorNamesFileAndLine() throws {
    let path = try file("x.tsv", "a\tb\tc\nd\te\n")
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer(), targetColumn: 2),
      .missingColumn(path: path, line: 2, column: 2, found: 2))
  }

  func testMissingFileErrorNamesFile() throws {
    let path = try makeTemporaryDirectory(self).appendingPathComponent("absent.tsv").path
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer()), .fileNotFound(path: path))
    XCTAssertEqual(DataError.fileNotFound(path: "absent.tsv").description, "absent.tsv: no such file")
  }

  func testEmptyFileIsAnEmptyCorpus() throws {
    let path = try file("empty.tsv", "")
    XCTAssertThrowsDataError(
      try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer()), .emptyCorpus(path: path))
  }

  func testWriteThenReadGivesTheSamePairs() throws {
    let pairs = [
      SentencePair(source: ["ein", "Haus"], target: ["a", "house"]),
      SentencePair(source: ["x"], target: ["y", "z", "ü"]),
    ]
    let path = try makeTemporaryDirectory(self).appendingPathComponent("rt.tsv").path
    try ParallelCorpus.writeTSV(pairs, path: path)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "ein Haus\ta house\nx\ty z ü\n")
    XCTAssertEqual(try ParallelCorpus.readTSV(path: path, tokenizer: Tokenizer()), pairs)
  }

  func testWriteRefusesPairsThatWouldNotReadBack() throws {
    let path = try makeTemporaryDirectory(self).appendingPathComponent("bad.tsv").path
    XCTAssertThrowsError(
      try ParallelCorpus.writeTSV([SentencePair(source: ["a\tb"], target: ["c"])], path: path))
    XCTAssertThrowsError(
      try ParallelCorpus.writeTSV([SentencePair(source: ["a"], target: [])], path: path))
  }
}
