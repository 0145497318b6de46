import Foundation
import XCTest

@testable import AttendStorage

/// Runs from start to finish and back: final metrics, resuming, readers beside the writer, and
/// reading attention matrices back.
final class TrainingLogRunLifecycleTests: XCTestCase {
  private func makeLog(stepBatchSize: Int = 100) throws -> TrainingLog {
    try TrainingLog(path: try makeTemporaryDirectory() + "/training.sqlite", stepBatchSize: stepBatchSize)
  }

  private func startRun(_ log: TrainingLog, name: String = "toy") throws -> Int64 {
    try log.startRun(
      name: name, configJSON: "{}", seed: 1, sourceVocabularySize: 10, targetVocabularySize: 11, trainPairs: 100,
      blas: "none", devPairs: 20)
  }

  private func step(_ runID: Int64, _ step: Int) -> StepRecord {
    StepRecord(
      runID: runID, step: step, epoch: 0, loss: 1, perplexity: 2.7, learningRate: 1e-3, gradNorm: 1,
      tokensPerSecond: 100, elapsedSeconds: Double(step))
  }

  func testFinishRunStoresFinalMetricsTakenFromTheEvaluations() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logEvaluation(runID: runID, step: 10, devLoss: 2.0, bleu: 20, bleuSignature: "s", elapsedSeconds: 1, chrF: 40)
    try log.logEvaluation(runID: runID, step: 20, devLoss: 1.5, bleu: 35, bleuSignature: "s", elapsedSeconds: 2, chrF: 55)
    try log.logEvaluation(runID: runID, step: 30, devLoss: 1.7, bleu: 30, bleuSignature: "s", elapsedSeconds: 3, chrF: 57)
    try log.finishRun(runID: runID, status: .completed, finalStep: 30, bestBLEU: 99)
    XCTAssertEqual(
      try log.database.query(
        "SELECT best_bleu, best_step, best_chrf, final_dev_loss, final_bleu, dev_pairs FROM runs WHERE id = ?",
        [.integer(runID)]),
      [[.real(35), .integer(20), .real(57), .real(1.7), .real(30), .integer(20)]],
      "best BLEU comes from the evaluations, not the argument, when there are any")
    let summary = try XCTUnwrap(try log.run(id: runID))
    XCTAssertEqual(summary.bestChrF, 57)
    XCTAssertEqual(summary.lastDevLoss, 1.7)
    XCTAssertEqual(summary.evaluationCount, 3)
    XCTAssertEqual(summary.devPairs, 20)

    let unevaluated = try startRun(log, name: "short")
    try log.finishRun(runID: unevaluated, status: .failed, finalStep: 3, bestBLEU: 12)
    XCTAssertEqual(try log.run(id: unevaluated)?.bestBLEU, 12, "without evaluations the argument is kept")
  }

  func testResumingAnInterruptedRunSetsItRunningAgainAndCountsTheResume() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logStep(step(runID, 5))
    try log.database.run("UPDATE runs SET pid = 2147483647 WHERE id = ?", [.integer(runID)])  // its process died

    let before = try log.resumeRun(id: runID)
    XCTAssertEqual(before.status, .interrupted, "the dead owner is noticed first")
    let after = try XCTUnwrap(try log.run(id: runID))
    XCTAssertEqual(after.status, .running)
    XCTAssertEqual(after.resumeCount, 1)
    XCTAssertNil(after.endedAt)
    XCTAssertEqual(
      try log.database.scalarInt("SELECT pid FROM runs WHERE id = ?", [.integer(runID)]), Int64(getpid()),
      "the run now belongs to this process")
    try log.finishRun(runID: runID, status: .completed, finalStep: 9, bestBLEU: nil)
    XCTAssertEqual(try log.resumeRun(id: runID).status, .completed, "a completed run can be trained further")
    XCTAssertEqual(try log.run(id: runID)?.resumeCount, 2)
  }

  func testResumingARunThatALiveProcessOwnsOrThatDoesNotExistIsRefused() throws {
    let log = try makeLog()
    let runID = try startRun(log, name: "busy")
    try log.database.run("UPDATE runs SET pid = 1 WHERE id = ?", [.integer(runID)])  // init: always alive
    XCTAssertThrowsError(try log.resumeRun(id: runID)) { error in
      XCTAssertEqual(error as? TrainingLogError, .runInProgress(id: runID, name: "busy"))
      XCTAssertTrue("\(error)".contains("still being trained"))
    }
    XCTAssertThrowsError(try log.resumeRun(id: 404)) {
      XCTAssertEqual($0 as? TrainingLogError, .unknownRun(id: 404))
    }
  }

  func testAReaderHoldingASnapshotNeverBlocksTheWriter() throws {
    let log = try makeLog(stepBatchSize: 10)
    let runID = try startRun(log)
    let reader = try SQLiteDatabase(path: log.path)
    try reader.execute("BEGIN")
    XCTAssertEqual(try reader.scalarInt("SELECT count(*) FROM steps"), 0)  // the read snapshot starts here

    let start = Date()
    for s in 1...200 { try log.logStep(step(runID, s)) }
    try log.logEvaluation(runID: runID, step: 200, devLoss: 1, bleu: 1, bleuSignature: "s", elapsedSeconds: 1)
    XCTAssertLessThan(
      Date().timeIntervalSince(start), Double(SQLiteDatabase.busyTimeoutMilliseconds) / 1000 / 2,
      "21 commits must not wait for the reader's busy timeout")
    XCTAssertEqual(try reader.scalarInt("SELECT count(*) FROM steps"), 0, "the reader keeps its snapshot")
    try reader.execute("COMMIT")
    XCTAssertEqual(try reader.scalarInt("SELECT count(*) FROM steps"), 200)
  }

  func testAlignmentsAndProbesReadBackAsTheyWereLogged() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logProbes(runID: runID, probes: [(["a", "b"], ["B", "A"]), (["c"], ["C"])])
    try log.logAlignment(
      runID: runID, step: 10, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["B", "A", "</s>"],
      weights: [0.25, 0.75, 0.5, 0.5, 1, 0])
    try log.logAlignment(runID: runID, step: 10, probe: 1, sourceTokens: ["c"], targetTokens: ["C"], weights: [1])
    try log.logAlignment(runID: runID, step: 20, probe: 1, sourceTokens: ["c"], targetTokens: ["</s>"], weights: [.nan])

    XCTAssertEqual(
      try log.probes(runID: runID),
      [
        ProbeRecord(runID: runID, probe: 0, source: ["a", "b"], reference: ["B", "A"]),
        ProbeRecord(runID: runID, probe: 1, source: ["c"], reference: ["C"]),
      ])
    XCTAssertEqual(try log.alignmentSteps(runID: runID), [10, 20])
    let first = try XCTUnwrap(try log.alignment(runID: runID, step: 10, probe: 0))
    XCTAssertEqual(first.sourceTokens, ["a", "b"])
    XCTAssertEqual(first.targetTokens, ["B", "A", "</s>"])
    XCTAssertEqual(first.weights, [0.25, 0.75, 0.5, 0.5, 1, 0])
    XCTAssertEqual(first.weight(target: 0, source: 1), 0.75)
    XCTAssertNil(try log.alignment(runID: runID, step: 20, probe: 0))
    let all = try log.alignments(runID: runID)
    XCTAssertEqual(all.map { [$0.step, $0.probe] }, [[10, 0], [10, 1], [20, 1]])
    XCTAssertTrue(all[2].weights[0].isNaN, "a NaN weight is stored as NULL and reads back as NaN")
    XCTAssertEqual(
      try log.database.query("SELECT DISTINCT step, probe FROM latest_alignments ORDER BY probe"),
      [[.integer(10), .integer(0)], [.integer(20), .integer(1)]],
      "each probe's own latest step, even when another probe was logged later")
  }
}

extension TrainingLogRunLifecycleTests {
  func testStepsWaitingLongerThanTheFlushIntervalAreWrittenWithTheNextStep() throws {
    let log = try TrainingLog(
      path: try makeTemporaryDirectory() + "/training.sqlite", stepBatchSize: 100, flushInterval: 0.05)
    let runID = try startRun(log)
    try log.logStep(step(runID, 1))
    XCTAssertEqual(log.pendingStepCount, 1, "the batch is far from full and the row is fresh")
    usleep(100_000)
    try log.logStep(step(runID, 2))
    XCTAssertEqual(log.pendingStepCount, 0)
    XCTAssertEqual(try log.database.scalarInt("SELECT count(*) FROM steps"), 2)
  }
}
