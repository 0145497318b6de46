import AttendData
import AttendKernels
import Foundation
import XCTest

@testable import AttendModel

/// Loss and every parameter gradient of whole models against the independent PyTorch mirror
/// (scripts/reference_model.py). The fixtures hold the weights, a padded batch and PyTorch's
/// float64 loss and gradients (scripts/make_gradient_fixtures.py writes them; they are committed,
/// so these tests need no Python).
///
/// Error measure: for the loss |a − r| / |r|; for a gradient tensor max_i |a_i − r_i| / max_i |r_i|
/// (relative to the tensor's largest entry, so tiny entries do not dominate). Bound: 1e-4.
final class ReferenceGradientTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")
  static let bound = 1e-4

  struct Fixture {
    var config: ModelConfig
    var sources: [[Int32]]
    var targets: [[Int32]]
    var loss: Double
    var parameters: [String: (shape: [Int], values: [Double])]
    var gradients: [String: [Double]]
  }

  static func load(_ name: String) throws -> Fixture {
    let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
    let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let configData = try JSONSerialization.data(withJSONObject: try XCTUnwrap(root["config"]))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let config = try decoder.decode(ModelConfig.self, from: configData)
    func ids(_ key: String) throws -> [[Int32]] {
      try XCTUnwrap(root[key] as? [[Int]]).map { $0.map { Int32($0) } }
    }
    var parameters: [String: (shape: [Int], values: [Double])] = [:]
    for (name, entry) in try XCTUnwrap(root["parameters"] as? [String: [String: Any]]) {
      parameters[name] = (try XCTUnwrap(entry["shape"] as? [Int]), try XCTUnwrap(entry["values"] as? [Double]))
    }
    return Fixture(
      config: config, sources: try ids("sources"), targets: try ids("targets"),
      loss: try XCTUnwrap(root["loss"] as? Double), parameters: parameters,
      gradients: try XCTUnwrap(root["gradients"] as? [String: [Double]]))
  }

  /// Loads fixture `name` into an Attend model, runs forward and backward, and compares.
  func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let fixture = try Self.load(name)
    let model = Seq2Seq(config: fixture.config, seed: 0)
    let store = model.parameters
    XCTAssertEqual(
      Set(store.infos.map(\.name)), Set(fixture.parameters.keys), "parameter names differ from PyTorch's",
      file: file, line: line)
    for info in store.infos {
      let reference = try XCTUnwrap(fixture.parameters[info.name], info.name, file: file, line: line)
      XCTAssertEqual(info.shape, reference.shape, info.name, file: file, line: line)
      for (k, value) in reference.values.enumerated() { store.values[info.offset + k] = Float(value) }
    }
    store.zeroGradients()
    var rng = RandomGenerator(seed: 1)
    let (sum, tokens) = model.lossAndGradients(
      batch: Batch.make(sources: fixture.sources, targets: fixture.targets), workspace: Workspace(), rng: &rng)
    let lossError = abs(sum / Double(tokens) - fixture.loss) / abs(fixture.loss)
    XCTAssertLessThanOrEqual(lossError, Self.bound, "loss \(sum / Double(tokens)) vs \(fixture.loss)", file: file, line: line)
    var worst = (error: 0.0, name: "")
    for info in store.infos {
      let reference = try XCTUnwrap(fixture.gradients[info.name], file: file, line: line)
      let scale = max(reference.map(abs).max() ?? 0, 1e-12)
      var error = 0.0
      for (k, r) in reference.enumerated() { error = max(error, abs(Double(store.gradients[info.offset + k]) - r)) }
      error /= scale
      if error > worst.error { worst = (error, info.name) }
      XCTAssertLessThanOrEqual(error, Self.bound, "gradient of \(info.name)", file: file, line: line)
    }
    print(
      String(
        format: "reference %@: loss relative error %.2e, worst gradient relative error %.2e (%@)", name, lossError,
        worst.error, worst.name))
  }

  static let tested = [
    "bahdanau", "luong-general-feeding", "luong-concat", "scaled-dot", "multihead-bahdanau",
    "multihead-scaled-dot", "sparsemax", "local-p", "bidirectional-2-layer", "dot-last-no-feeding",
    "local-m-mean", "tied-zero-init", "bahdanau-sparsemax-local-p-2-layer",
    "bahdanau-order-dot", "bahdanau-order-general", "luong-order-additive", "bahdanau-order-scaled-dot-2-head",
  ]

  func testEveryFixtureIsTested() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
      .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    XCTAssertEqual(Set(files), Set(Self.tested))
  }

  func testBahdanauMatchesPyTorch() throws { try check("bahdanau") }
  func testLuongGeneralWithInputFeedingMatchesPyTorch() throws { try check("luong-general-feeding") }
  func testLuongConcatMatchesPyTorch() throws { try check("luong-concat") }
  func testScaledDotMatchesPyTorch() throws { try check("scaled-dot") }
  func testMultiHeadAdditiveMatchesPyTorch() throws { try check("multihead-bahdanau") }
  func testMultiHeadScaledDotWithoutInputFeedingMatchesPyTorch() throws { try check("multihead-scaled-dot") }
  func testSparsemaxWithTemperatureMatchesPyTorch() throws { try check("sparsemax") }
  func testLocalPMatchesPyTorch() throws { try check("local-p") }
  func testTwoLayerBidirectionalEncoderAndTwoLayerDecoderMatchPyTorch() throws { try check("bidirectional-2-layer") }
  func testDotWithLastInitMatchesPyTorch() throws { try check("dot-last-no-feeding") }
  func testLocalMWithMeanInitMatchesPyTorch() throws { try check("local-m-mean") }
  func testTiedEmbeddingsWithZeroInitMatchPyTorch() throws { try check("tied-zero-init") }
  func testBahdanauSparsemaxLocalPTwoLayerDecoderMatchesPyTorch() throws {
    try check("bahdanau-sparsemax-local-p-2-layer")
  }

  // Score functions outside their paper's decoder order (`decoder` chosen in the config).
  func testDotScoresInBahdanauOrderMatchPyTorch() throws { try check("bahdanau-order-dot") }
  func testGeneralScoresInBahdanauOrderWithLocalMMatchPyTorch() throws { try check("bahdanau-order-general") }
  func testAdditiveScoresInLuongOrderMatchPyTorch() throws { try check("luong-order-additive") }
  func testTwoHeadScaledDotInBahdanauOrderWithTwoLayersMatchesPyTorch() throws {
    try check("bahdanau-order-scaled-dot-2-head")
  }
}
