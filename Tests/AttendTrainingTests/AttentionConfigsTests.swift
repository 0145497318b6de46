import AttendModel
import Foundation
import XCTest

@testable import AttendTraining

/// The attention variants shipped in configs/attention/ (what scripts/compare-attention.sh trains)
/// load, are valid, and each selects what its name says.
final class AttentionConfigsTests: XCTestCase {
  private static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  func testEveryShippedAttentionConfigLoadsAndIsValid() throws {
    let directory = Self.root.appendingPathComponent("configs/attention")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
    XCTAssertGreaterThanOrEqual(names.count, 13)
    var models: [String: ModelConfig] = [:]
    for name in names {
      let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
      let config = try ExperimentConfig.parse(yaml: text, file: "configs/attention/\(name)", baseDirectory: nil)
      XCTAssertEqual(config.model.problems(), [], name)
      models[String(name.dropLast(5))] = config.model
    }
    XCTAssertEqual(models["bahdanau"]?.attention, .bahdanau)
    XCTAssertEqual(models["luong-dot"]?.attention, .dot)
    XCTAssertEqual(models["luong-general"]?.attention, .general)
    XCTAssertEqual(models["luong-general"]?.inputFeeding, true)
    XCTAssertEqual(models["luong-general-no-feeding"]?.inputFeeding, false)
    XCTAssertEqual(models["luong-concat"]?.attention, .concat)
    XCTAssertEqual(models["scaled-dot"]?.attention, .scaledDot)
    XCTAssertEqual(models["multihead"]?.attentionHeads, 4)
    XCTAssertEqual(models["sparsemax"]?.attentionNormalizer, .sparsemax)
    XCTAssertEqual(models["local-m"]?.attentionWindow, .localM)
    XCTAssertEqual(models["local-p"]?.attentionWindow, .localP)
    XCTAssertEqual(models["temperature"]?.attentionTemperature, 2)
    XCTAssertEqual(models["temperature"]?.decodingTemperature, 0.5)
    XCTAssertEqual(models["hard-decoding"]?.hardAttention, true)
    XCTAssertEqual(models["deep"]?.encoderLayers, 2)
    XCTAssertEqual(models["deep"]?.decoderLayers, 2)
    XCTAssertEqual(models["deep"]?.dropout, 0.2)
  }
}
