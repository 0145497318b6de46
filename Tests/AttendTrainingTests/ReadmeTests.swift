import Foundation
import XCTest

/// The README's config reference is a copy of docs/config-reference.md (made by
/// scripts/sync-readme.sh); this pins that they never drift apart.
final class ReadmeTests: XCTestCase {
  func testReadmeConfigReferenceMatchesDocsConfigReference() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let reference = try String(contentsOf: root.appendingPathComponent("docs/config-reference.md"), encoding: .utf8)
    let begin = try XCTUnwrap(readme.range(of: "<!-- config-reference:begin"))
    let afterMarker = try XCTUnwrap(readme[begin.upperBound...].firstIndex(of: "\n"))
    let end = try XCTUnwrap(readme.range(of: "<!-- config-reference:end -->"))
    let section = readme[readme.index(after: afterMarker)..<end.lowerBound]
      .trimmingCharacters(in: .whitespacesAndNewlines)
    var body = reference.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[1]
      .trimmingCharacters(in: .whitespacesAndNewlines)
    body = body.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.hasPrefix("## ") ? "#" + $0 : String($0) }.joined(separator: "\n")
    XCTAssertEqual(section, body, "README.md is out of date: run scripts/sync-readme.sh")
  }
}
