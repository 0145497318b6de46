import AttendCheckpoint
import AttendKernels
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// What `attend checkpoint inspect`, `attend export` and `attend average` compute.
final class CheckpointToolsTests: XCTestCase {
  override func setUpWithError() throws {
    try BLAS.load()
  }

  /// Two step files of one tiny run (steps 3 and 6), kept by keep_last.
  private func twoCheckpoints(_ x: TinyExperiment, run: String = "r", hidden: Int = 8) throws -> (String, String) {
    var config = x.config(run: run, maxSteps: 6)
    config.model.hiddenSize = hidden
    config.training.keepLast = 5
    _ = try silentTrainer(config).run()
    return (x.runDirectory(run) + "/step-00000003.ckpt", x.runDirectory(run) + "/step-00000006.ckpt")
  }

  func testAverageIsTheMeanOfEachParameter() throws {
    let x = try TinyExperiment(self)
    let (a, b) = try twoCheckpoints(x)
    let (model, header) = try ModelCheckpoint.average([a, b])
    XCTAssertEqual(header.averagedFrom, [a, b])
    XCTAssertNil(header.trainingState)
    XCTAssertNil(header.metric)
    let first = try ModelCheckpoint.load(from: a).model.parameters
    let second = try ModelCheckpoint.load(from: b).model.parameters
    for i in 0..<model.parameters.count {
      let mean = Float((Double(first.values.pointer[i]) + Double(second.values.pointer[i])) / 2)
      XCTAssertEqual(model.parameters.values.pointer[i].bitPattern, mean.bitPattern, "parameter \(i)")
    }
    // Saved as a model checkpoint: it loads and translates, it does not resume.
    let out = x.directory + "/average.ckpt"
    try ModelCheckpoint.save(model, header: header, to: out)
    XCTAssertEqual(try Checkpoint.read(from: out).kind, .model)
    XCTAssertEqual(try ModelCheckpoint.load(from: out).header.averagedFrom, [a, b])
  }

  func testAverageRefusesCheckpointsOfDifferentModels() throws {
    let x = try TinyExperiment(self)
    let (a, _) = try twoCheckpoints(x, run: "small", hidden: 8)
    let (c, _) = try twoCheckpoints(x, run: "wide", hidden: 12)
    XCTAssertThrowsError(try ModelCheckpoint.average([a, c])) {
      XCTAssertEqual("\($0)", "\(a) and \(c) are not checkpoints of the same model: they differ in model")
    }
  }

  func testExportWritesTheParametersUnderTheirNamesWithTheHeaderAsMetadata() throws {
    let x = try TinyExperiment(self)
    let (_, b) = try twoCheckpoints(x)
    let out = x.directory + "/model.safetensors"
    let count = try ModelCheckpoint.exportSafeTensors(from: b, to: out)
    let (tensors, metadata) = try SafeTensors.read(from: out)
    let loaded = try ModelCheckpoint.load(from: b)
    let store = loaded.model.parameters
    XCTAssertEqual(count, store.infos.count)
    XCTAssertEqual(tensors.map(\.name), store.infos.map(\.name), "parameter names, no optimizer state")
    for (tensor, info) in zip(tensors, store.infos) {
      XCTAssertEqual(tensor.shape, info.shape)
      XCTAssertEqual(tensor.values, (0..<info.count).map { store.values.pointer[info.offset + $0] })
    }
    XCTAssertEqual(metadata["format"], "pt")
    let header = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(metadata["attend_header"]).utf8)) as? [String: Any])
    XCTAssertNotNil(header["model"])
    XCTAssertNotNil(header["target_vocabulary"])
    XCTAssertNil(header["training_state"])
  }

  func testInspectDescribesATrainingCheckpoint() throws {
    let x = try TinyExperiment(self)
    let (_, b) = try twoCheckpoints(x)
    let inspection = try ModelCheckpoint.inspect(b)
    XCTAssertEqual(inspection.version, 2)
    XCTAssertEqual(inspection.kind, .training)
    XCTAssertEqual(inspection.header.step, 6)
    XCTAssertEqual(inspection.header.trainingState?.step, 6)
    XCTAssertEqual(inspection.header.optimizer?.step, 6)
    let parameters = inspection.tensors.filter { !$0.isOptimizerState }
    XCTAssertEqual(inspection.tensors.count, 3 * parameters.count)
    XCTAssertEqual(inspection.fileSize, UInt64(try FileManager.default.attributesOfItem(atPath: b)[.size] as! Int))
  }
}
