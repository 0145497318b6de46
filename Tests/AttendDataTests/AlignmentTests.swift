import Foundation
import XCTest

@testable import AttendData

final class AlignmentTests: XCTestCase {
  func testParsesSureAndPossibleLinks() throws {
    let links = try PharaohFormat.parse(line: "0-0 1?2  12-3\t", path: "a.align", lineNumber: 1)
    XCTAssertEqual(
      links,
      [
        AlignmentLink(source: 0, target: 0, sure: true),
        AlignmentLink(source: 1, target: 2, sure: false),
        AlignmentLink(source: 12, target: 3, sure: true),
      ])
  }

  func testFormatThenParseRoundTripsIncludingPossibleLinks() throws {
    let links = [
      AlignmentLink(source: 3, target: 0, sure: true),
      AlignmentLink(source: 0, target: 7, sure: false),
      AlignmentLink(source: 10, target: 10, sure: true),
    ]
    let line = PharaohFormat.format(links)
    XCTAssertEqual(line, "3-0 0?7 10-10")
    XCTAssertEqual(try PharaohFormat.parse(line: line, path: "a", lineNumber: 1), links)
  }

  func testEmptyLineIsAnEmptyAlignment() throws {
    XCTAssertEqual(try PharaohFormat.parse(line: "", path: "a", lineNumber: 1), [])
    XCTAssertEqual(PharaohFormat.format([]), "")
  }

  func testBadTokensAreRejectedWithFileAndLine() {
    for token in ["1", "1-", "-2", "a-1", "1-b", "1:2", "+1-2", "1--2", "1-2-3", "1?-2", "-1-2"] {
      XCTAssertThrowsDataError(
        try PharaohFormat.parse(line: "0-0 \(token)", path: "x.align", lineNumber: 4),
        .badAlignment(
          path: "x.align", line: 4, token: token, expected: PharaohFormat.expectedLink))
    }
    let message = DataError.badAlignment(
      path: "x.align", line: 4, token: "1:2", expected: PharaohFormat.expectedLink
    ).description
    XCTAssertTrue(message.hasPrefix("x.align:4: expected a link \"i-j\""), message)
    XCTAssertTrue(message.hasSuffix("found \"1:2\""), message)
  }

  func testWriteThenReadRoundTripsFilesWithEmptyAlignments() throws {
    let alignments: [[AlignmentLink]] = [
      [AlignmentLink(source: 0, target: 1), AlignmentLink(source: 1, target: 0, sure: false)],
      [],
      [AlignmentLink(source: 2, target: 2)],
      [],
    ]
    let path = try makeTemporaryDirectory(self).appendingPathComponent("a.align").path
    try PharaohFormat.write(alignments, path: path)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "0-1 1?0\n\n2-2\n\n")
    XCTAssertEqual(try PharaohFormat.read(path: path), alignments)
  }

  func testReadReportsTheLineOfABadLink() throws {
    let path = try makeTemporaryDirectory(self).appendingPathComponent("a.align").path
    try Data("0-0\r\n1-1 x\r\n".utf8).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsDataError(
      try PharaohFormat.read(path: path),
      .badAlignment(path: path, line: 2, token: "x", expected: PharaohFormat.expectedLink))
  }
}
