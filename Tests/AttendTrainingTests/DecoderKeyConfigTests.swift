import AttendModel
import XCTest

@testable import AttendTraining

/// `model.decoder`: read from the YAML, defaulted to the score's paper order when absent, stored
/// in the run's JSON only when written, and validated with the line of the key to change.
final class DecoderKeyConfigTests: XCTestCase {
  static let minimal = "data:\n  train: corpora/x/train.tsv\n  dev: corpora/x/dev.tsv\n"

  func parse(_ yaml: String) throws -> ExperimentConfig {
    try ExperimentConfig.parse(yaml: Self.minimal + yaml, file: "configs/test.yaml", baseDirectory: nil)
  }

  func testDecoderDefaultsToTheScoresPaperOrderAndCanBeChosen() throws {
    XCTAssertEqual(try parse("").model.decoder, .bahdanau)
    let general = try parse("model:\n  attention: general\n")
    XCTAssertEqual(general.model.decoder, .luong)
    XCTAssertNil(general.model.decoderChoice)
    XCTAssertFalse(general.jsonString().contains("\"decoder\""), "an unwritten order is not stored")
    let chosen = try parse("model:\n  attention: general\n  decoder: bahdanau\n")
    XCTAssertEqual(chosen.model.decoder, .bahdanau)
    XCTAssertEqual(try ExperimentConfig(json: chosen.jsonString()).model.decoder, .bahdanau)
    XCTAssertEqual(try parse("model:\n  decoder: luong\n").model.decoder, .luong)
  }

  func assertError(_ yaml: String, line: Int, _ fragments: [String], sourceLine: UInt = #line) {
    do {
      _ = try parse(yaml)
      XCTFail("expected a ConfigError", line: sourceLine)
    } catch let error as ConfigError {
      XCTAssertEqual(error.line, line, "\(error)", line: sourceLine)
      for fragment in fragments {
        XCTAssertTrue(error.description.contains(fragment), "'\(fragment)' not in: \(error)", line: sourceLine)
      }
    } catch {
      XCTFail("expected a ConfigError, got \(error)", line: sourceLine)
    }
  }

  func testImpossibleOrdersNameTheKeyAndLine() {
    assertError("model:\n  decoder: transformer\n", line: 5, ["decoder", "bahdanau", "luong"])
    // Dot scores compare the query s_{i-1} (H wide) with h̄ (2H wide with a bidirectional encoder).
    assertError(
      "model:\n  attention: dot\n  decoder: bahdanau\n", line: 5,
      ["model.attention", "s_{i-1} · h̄_s", "set bidirectional: false"])
    assertError(
      "model:\n  attention: general\n  decoder: bahdanau\n  input_feeding: false\n", line: 7,
      ["model.input_feeding", "set decoder: luong"])
    assertError(
      "model:\n  attention: bahdanau\n  decoder: luong\n  embedding_size: 32\n  tie_embeddings: true\n", line: 8,
      ["model.tie_embeddings"])
  }
}
