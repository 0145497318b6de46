import Foundation
@testable import AttendData
import XCTest

/// A fresh directory under the system's temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("AttendDataTests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}

/// Asserts that `body` throws exactly `expected`.
func XCTAssertThrowsDataError<T>(
  _ body: @autoclosure () throws -> T, _ expected: DataError,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertThrowsError(try body(), file: file, line: line) { error in
    XCTAssertEqual(error as? DataError, expected, file: file, line: line)
  }
}
