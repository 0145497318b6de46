import AttendCheckpoint
import AttendKernels
import Foundation
import XCTest

@testable import AttendTraining

/// Every number of a training checkpoint's header is range-checked, and a number its field
/// cannot hold (3.5 for a count, 1e+300 for a Float) or out of its range is refused naming the
/// field. The headers are forged on a real run's checkpoint and written back with every
/// checksum recomputed, so only the header checks stand between them and training.
final class HeaderRangeTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  /// A run of 3 steps; returns the experiment and its step-3 checkpoint.
  private func trainedCheckpoint() throws -> (TinyExperiment, String) {
    let x = try TinyExperiment(self)
    _ = try silentTrainer(x.config(run: "r", maxSteps: 3)).run()
    return (x, x.runDirectory("r") + "/step-00000003.ckpt")
  }

  /// Rewrites the checkpoint at `path` with its JSON header edited (checksums recomputed by `write`).
  private func forge(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
    var checkpoint = try Checkpoint.read(from: path)
    var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(checkpoint.header)) as? [String: Any])
    edit(&object)
    checkpoint.header = Array(try JSONSerialization.data(withJSONObject: object))
    try Checkpoint.write(checkpoint, to: path)
  }

  /// Sets the number at a dotted path ("training_state.batcher.position").
  private func set(_ object: inout [String: Any], _ path: String, _ value: Any) {
    func set(_ node: Any, _ keys: ArraySlice<Substring>) -> Any {
      guard let key = keys.first, var dictionary = node as? [String: Any] else { return value }
      dictionary[String(key)] = set(dictionary[String(key)] ?? [String: Any](), keys.dropFirst())
      return dictionary
    }
    object = set(object, path.split(separator: ".")[...]) as! [String: Any]
  }

  private func headerProblem(_ path: String) -> String? {
    do {
      _ = try ModelCheckpoint.read(from: path)
      XCTFail("a forged header was accepted")
    } catch let error as CheckpointError {
      if case .invalidHeader(let detail) = error.problem { return detail }
      XCTFail("\(error)")
    } catch {
      XCTFail("not a CheckpointError: \(error)")
    }
    return nil
  }

  func testANumberItsFieldCannotHoldIsRefusedNamingTheField() throws {
    let (_, path) = try trainedCheckpoint()
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    let cases: [(String, Any, String)] = [
      ("step", 3.5, "step: expected a whole number, found 3.5"),
      ("training_state.step", 1e300, "training_state.step: expected a number within the range of its type, found 1e+300"),
      ("training_state.batcher.position", 2.5, "training_state.batcher.position: expected a whole number, found 2.5"),
      ("optimizer.beta1", 1e300, "optimizer.beta1: expected a number within the range of its type, found 1e+300"),
      ("optimizer.step", 1e19, "optimizer.step: expected a number within the range of its type, found 1e+19"),
    ]
    for (field, value, expected) in cases {
      try original.write(to: URL(fileURLWithPath: path))
      try forge(path) { set(&$0, field, value) }
      XCTAssertEqual(headerProblem(path), expected, field)
    }
    // A fraction where the field is a Double is no problem.
    try original.write(to: URL(fileURLWithPath: path))
    try forge(path) { set(&$0, "training_state.training_seconds", 3.5) }
    XCTAssertEqual(try ModelCheckpoint.read(from: path).header.trainingState?.trainingSeconds, 3.5)
  }

  func testANumberOutOfItsRangeIsRefusedNamingTheField() throws {
    let (_, path) = try trainedCheckpoint()
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    let cases: [([(String, Any)], String)] = [
      ([("optimizer.step", 1 << 62)], "optimizer.step is 4611686018427387904, expected 3…3 (training_state.step)"),
      (
        [("step", 1 << 62), ("training_state.step", 1 << 62), ("optimizer.step", 1 << 62)],
        "step is 4611686018427387904, expected 0…1099511627776"
      ),
      ([("training_state.learning_rate", -0.5)], "training_state.learning_rate is -0.5, expected 0…∞"),
      ([("training_state.batcher.position", -1)], "training_state.batcher.position is -1, expected 0…1099511627776"),
      ([("training_state.best_step", 4)], "training_state.best_step is 4, expected 0…3"),
      ([("dev_bleu", 100.5)], "dev_bleu is 100.5, expected 0…100"),
      ([("optimizer.beta2", 1)], "optimizer.beta2 is 1, expected 0…0.9999999403953552"),
    ]
    for (edits, expected) in cases {
      try original.write(to: URL(fileURLWithPath: path))
      try forge(path) { object in for (field, value) in edits { set(&object, field, value) } }
      XCTAssertEqual(headerProblem(path), expected, "\(edits)")
    }
  }

  /// The reproduction: `optimizer.step` forged to 2^62 (with the training state's step to
  /// match, so only the range stops it) made `train --resume` hang. Now it is refused at once.
  func testResumingAHeaderForgedToStep2To62IsRefusedAtOnceNamingTheField() throws {
    let (x, path) = try trainedCheckpoint()
    try forge(path) {
      for field in ["step", "training_state.step", "optimizer.step"] { set(&$0, field, 1 << 62) }
    }
    let started = Date()
    XCTAssertThrowsError(try silentTrainer(x.config(run: "r", maxSteps: 6), resume: true).run()) {
      XCTAssertEqual("\($0)", "\(path): invalid checkpoint header: step is 4611686018427387904, expected 0…1099511627776")
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 10)
  }
}
