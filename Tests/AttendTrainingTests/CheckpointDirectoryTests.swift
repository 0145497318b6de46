import AttendCheckpoint
import AttendKernels
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// A run's checkpoint directory: pointers, keep_last / keep_best retention, and the files it
/// finds again when reopened.
final class CheckpointDirectoryTests: XCTestCase {
  private func emptyDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "attend-dir-\(UUID().uuidString)"
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  /// Records step files (empty placeholders: retention never reads them) with these metrics.
  private func record(_ directory: CheckpointDirectory, _ metrics: [(Int, CheckpointMetric?)]) throws {
    for (step, metric) in metrics {
      XCTAssertTrue(FileManager.default.createFile(atPath: directory.path(step: step), contents: Data()))
      try directory.record(step: step, metric: metric)
    }
  }

  private func files(_ directory: CheckpointDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("step-") }.sorted()
  }

  private func target(_ link: String) throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: link)
  }

  func testKeepsTheNewestAndTheBestAndPointsAtThem() throws {
    let directory = try CheckpointDirectory(path: try emptyDirectory(), keepLast: 2, keepBest: 2)
    try record(directory, [(100, .bleu(10)), (200, .bleu(30)), (300, .bleu(20)), (400, .bleu(25)), (500, .bleu(5))])
    XCTAssertEqual(try files(directory), ["step-00000200.ckpt", "step-00000400.ckpt", "step-00000500.ckpt"])
    XCTAssertEqual(try target(directory.latestPath), "step-00000500.ckpt")
    XCTAssertEqual(try target(directory.bestPath), "step-00000200.ckpt")
    XCTAssertEqual(directory.entries.map(\.step), [200, 400, 500])
  }

  func testLowerIsBetterMetricsTiesAndNonFiniteValues() throws {
    let directory = try CheckpointDirectory(path: try emptyDirectory(), keepLast: 1, keepBest: 1)
    func loss(_ value: Double) -> CheckpointMetric { CheckpointMetric(name: "dev_loss", value: value, higherIsBetter: false) }
    try record(directory, [(1, loss(.nan)), (2, loss(2.5)), (3, loss(2.5)), (4, loss(.infinity)), (5, nil)])
    XCTAssertEqual(try target(directory.bestPath), "step-00000002.ckpt", "a tie keeps the earlier step; NaN and ∞ rank last")
    XCTAssertEqual(try files(directory), ["step-00000002.ckpt", "step-00000005.ckpt"])
  }

  func testARunLeavesItsFilesAndReopeningFindsThemWithTheirMetrics() throws {
    try BLAS.load()
    let x = try TinyExperiment(self)
    var config = x.config(run: "r", maxSteps: 11)
    config.training.keepLast = 2
    config.training.keepBest = 1
    let summary = try silentTrainer(config).run()
    let reopened = try CheckpointDirectory(path: x.runDirectory("r"), keepLast: 2, keepBest: 1)
    let steps = reopened.entries.map(\.step)
    XCTAssertEqual(Array(steps.suffix(2)), [9, 11], "evaluations every 3 steps, and the final step")
    XCTAssertTrue(steps.count <= 3)
    let best = try XCTUnwrap(reopened.best)
    XCTAssertEqual(try target(summary.bestCheckpoint), best.fileName)
    XCTAssertEqual(best.metric?.name, "bleu")
    XCTAssertEqual(try ModelCheckpoint.readHeader(from: summary.bestCheckpoint).header.metric, best.metric)
    XCTAssertEqual(try target(summary.latestCheckpoint), "step-00000011.ckpt")
    XCTAssertEqual(reopened.resumeCandidates().first, x.runDirectory("r") + "/step-00000011.ckpt")
    // Nothing but step files, the two pointers and the run's lock file.
    let names = try FileManager.default.contentsOfDirectory(atPath: x.runDirectory("r"))
    XCTAssertEqual(Set(names), Set(reopened.entries.map(\.fileName) + ["latest.ckpt", "best.ckpt", RunLock.fileName]))
  }

  func testKeepCountsBelowOneAreRefusedAtConfigLoad() {
    for key in ["keep_last", "keep_best"] {
      let yaml = "data:\n  train: t.tsv\n  dev: d.tsv\ntraining:\n  \(key): 0\n"
      XCTAssertThrowsError(try ExperimentConfig.parse(yaml: yaml, file: "c.yaml", baseDirectory: nil)) {
        XCTAssertEqual("\($0)", "c.yaml:5: training.\(key): expected an integer > 0, found '0'")
      }
    }
  }

  func testStepFileNamesSortByStep() {
    XCTAssertEqual(CheckpointDirectory.fileName(step: 1200), "step-00001200.ckpt")
    XCTAssertEqual(CheckpointDirectory.step(ofFileName: "step-00001200.ckpt"), 1200)
    XCTAssertEqual(CheckpointDirectory.step(ofFileName: "step-123456789.ckpt"), 123_456_789)
    XCTAssertNil(CheckpointDirectory.step(ofFileName: "step-.ckpt"))
    XCTAssertNil(CheckpointDirectory.step(ofFileName: "latest.ckpt"))
    XCTAssertNil(CheckpointDirectory.step(ofFileName: ".step-00000001.ckpt.tmp-1-2"))
  }
}
