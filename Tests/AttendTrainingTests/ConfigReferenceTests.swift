import AttendModel
import Foundation
import XCTest

@testable import AttendTraining

/// docs/config-reference.md's key tables are made from the key declarations: this fails while the
/// committed file differs. `ATTEND_UPDATE_CONFIG_REFERENCE=1` (what scripts/sync-readme.sh sets)
/// rewrites the file instead.
final class ConfigReferenceTests: XCTestCase {
  func testConfigReferenceTablesEqualTheKeyDeclarations() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let path = root.appendingPathComponent("docs/config-reference.md").path
    let committed = try String(contentsOfFile: path, encoding: .utf8)
    let generated = try XCTUnwrap(
      ConfigReference.updating(committed), "docs/config-reference.md lacks a section's '<!-- keys: … -->' markers")
    if ProcessInfo.processInfo.environment["ATTEND_UPDATE_CONFIG_REFERENCE"] == "1" {
      try generated.write(toFile: path, atomically: true, encoding: .utf8)
      return
    }
    XCTAssertEqual(committed, generated, "docs/config-reference.md is out of date: run scripts/sync-readme.sh")
  }

  func testEveryChoiceIsNamedInItsKeysDoc() {
    func check<Section: DeclaredConfig>(_: Section.Type, _ section: String) {
      for key in Section.fileKeys {
        guard case .choice(let choices) = key.type else { continue }
        for choice in choices {
          XCTAssertTrue(key.doc.contains("`\(choice)`"), "\(section).\(key.name)'s doc does not explain `\(choice)`")
        }
      }
    }
    check(ModelConfig.self, "model")
    check(DataConfig.self, "data")
    check(TrainingConfig.self, "training")
    check(LoggingConfig.self, "logging")
  }
}
