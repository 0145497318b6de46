import AttendData
import AttendKernels
import AttendModel
import Foundation
import XCTest

@testable import AttendBenchmark
@testable import AttendTraining

/// What `attend bench` hands to the PyTorch reference must be exactly what Attend trained on.
final class BenchmarkTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  func testReferenceBatchRecoversTheSentencesOfAPaddedBatch() throws {
    let sources: [[Int32]] = [[4, 5, 6], [7], [8, 9]]
    let targets: [[Int32]] = [[6, 5, 4], [7, 7, 7, 7], []]
    let reference = Benchmark.referenceBatch(Batch.make(sources: sources, targets: targets))
    XCTAssertEqual(reference["sources"] as? [[Int]], sources.map { $0.map(Int.init) })
    XCTAssertEqual(reference["targets"] as? [[Int]], targets.map { $0.map(Int.init) })
  }

  func testReferenceFilesHoldTheModelConfigAndEveryParameterInStoreOrder() throws {
    var config = ModelConfig()
    (config.embeddingSize, config.hiddenSize, config.attentionSize) = (4, 6, 5)
    (config.sourceVocabularySize, config.targetVocabularySize) = (9, 8)
    let model = Seq2Seq(config: config, seed: 3)
    let directory = NSTemporaryDirectory() + "attend-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Benchmark.writeReference(model, name: "m", directory: directory, extra: ["note": "x"])
    let spec = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/m.json"))) as? [String: Any])
    XCTAssertEqual((spec["model"] as? [String: Any])?["hidden_size"] as? Int, 6)
    let tensors = try XCTUnwrap(spec["tensors"] as? [[String: Any]])
    XCTAssertEqual(tensors.map { $0["name"] as? String }, model.parameters.infos.map(\.name))
    let weights = try Data(contentsOf: URL(fileURLWithPath: directory + "/m.weights.bin"))
    XCTAssertEqual(weights.count, model.parameters.count * 4)
    let values = weights.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    XCTAssertEqual(values, model.parameters.values.array)
  }

  func testTrainingMeasurementRunsEveryBatchAndCountsItsMatrixProducts() {
    var config = ModelConfig()
    (config.embeddingSize, config.hiddenSize, config.attentionSize) = (8, 8, 8)
    (config.sourceVocabularySize, config.targetVocabularySize) = (12, 12)
    let model = Seq2Seq(config: config, seed: 1)
    let batch = Batch.make(sources: [[4, 5, 6], [7, 8]], targets: [[6, 5, 4], [8, 7]])
    let result = Benchmark.training(model: model, batches: [batch, batch], warmup: 1, repeats: 2)
    XCTAssertEqual(result.steps, 2)
    XCTAssertEqual(result.allTokensPerSecond.count, 2)
    XCTAssertGreaterThan(result.tokensPerSecond, 0)
    XCTAssertGreaterThan(result.gflops, 0, "the gemm wrapper counted the step's products")
  }

  func testMedianOfOddAndEvenCounts() {
    XCTAssertEqual(Benchmark.median([3, 1, 2]), 2)
    XCTAssertEqual(Benchmark.median([4, 1, 3, 2]), 2.5)
    XCTAssertEqual(Benchmark.median([]), 0)
  }
}
