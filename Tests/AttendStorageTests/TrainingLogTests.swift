import Foundation
import XCTest

@testable import AttendStorage

final class TrainingLogTests: XCTestCase {
  private func makeLog(stepBatchSize: Int = 100) throws -> TrainingLog {
    try TrainingLog(path: try makeTemporaryDirectory() + "/logs/training.sqlite", stepBatchSize: stepBatchSize)
  }

  private func startRun(_ log: TrainingLog, name: String = "toy-reverse") throws -> Int64 {
    try log.startRun(
      name: name, configJSON: #"{"attention":"bahdanau","hidden":64}"#, seed: 42,
      sourceVocabularySize: 30, targetVocabularySize: 31, trainPairs: 1000, blas: "openblas Haswell")
  }

  private func step(_ runID: Int64, _ step: Int, loss: Double = 2.5) -> StepRecord {
    StepRecord(
      runID: runID, step: step, epoch: 1, loss: loss, perplexity: exp(loss), learningRate: 1e-3,
      gradNorm: 0.5, tokensPerSecond: 1200, elapsedSeconds: Double(step) / 10)
  }

  private func count(_ log: TrainingLog, _ table: String) throws -> Int64? {
    try log.database.scalarInt("SELECT count(*) FROM \(table)")
  }

  func testSchemaIsCreatedAtTheCurrentUserVersionAndItsViewsAreQueryable() throws {
    let log = try makeLog()
    XCTAssertEqual(try log.database.userVersion, TrainingLogSchema.version)
    XCTAssertEqual(TrainingLogSchema.version, 3)
    let names = try log.database.query(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).map { "\($0[0].textValue!):\($0[1].textValue!)" }
    for table in ["runs", "steps", "evaluations", "checkpoints", "probes", "alignments"] {
      XCTAssertTrue(names.contains("table:\(table)"), "missing table \(table) in \(names)")
    }
    for view in ["best_evaluations", "alignment_argmax", "latest_alignments", "alignment_entropy"] {
      XCTAssertTrue(names.contains("view:\(view)"), "missing view \(view)")
      XCTAssertEqual(try log.database.query("SELECT * FROM \(view)"), [])
    }
    XCTAssertEqual(try log.database.query("PRAGMA foreign_key_check"), [])
  }

  func testReopeningAnExistingLogKeepsItsRuns() throws {
    let path = try makeTemporaryDirectory() + "/training.sqlite"
    let runID = try startRun(try TrainingLog(path: path))
    let reopened = try TrainingLog(path: path)
    XCTAssertEqual(try reopened.runs().map(\.id), [runID])
  }

  func testNewerSchemaVersionIsRefusedWithAClearError() throws {
    let path = try makeTemporaryDirectory() + "/training.sqlite"
    _ = try TrainingLog(path: path)
    let newer = TrainingLogSchema.version + 1
    try SQLiteDatabase(path: path).setUserVersion(newer)
    XCTAssertThrowsError(try TrainingLog(path: path)) { error in
      XCTAssertEqual(
        error as? TrainingLogError, .newerSchema(path: path, found: newer, supported: TrainingLogSchema.version))
      XCTAssertTrue("\(error)".contains("newer than this build supports"))
    }
  }

  func testForeignDatabaseAndNonDatabaseFilesAreRefused() throws {
    let directory = try makeTemporaryDirectory()
    let foreign = directory + "/other.sqlite"
    try SQLiteDatabase(path: foreign).execute("CREATE TABLE notes (text)")
    XCTAssertThrowsError(try TrainingLog(path: foreign)) {
      guard case .notATrainingLog? = $0 as? TrainingLogError else { return XCTFail("\($0)") }
    }
    let text = directory + "/notes.txt"
    try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: text))
    XCTAssertThrowsError(try TrainingLog(path: text)) {
      XCTAssertEqual($0 as? TrainingLogError, .notATrainingLog(path: text, reason: "not a SQLite database"))
    }
  }

  func testStepsAreBufferedAndWrittenInOneTransactionPerBatch() throws {
    let log = try makeLog(stepBatchSize: 4)
    let runID = try startRun(log)
    for s in 1...3 { try log.logStep(step(runID, s)) }
    XCTAssertEqual(try count(log, "steps"), 0, "three rows are below the batch size")
    XCTAssertEqual(log.pendingStepCount, 3)
    try log.logStep(step(runID, 4))
    XCTAssertEqual(try count(log, "steps"), 4, "the fourth row fills the batch")
    XCTAssertEqual(log.pendingStepCount, 0)
    try log.logStep(step(runID, 5))
    XCTAssertEqual(try count(log, "steps"), 4)
    try log.flush()
    XCTAssertEqual(try count(log, "steps"), 5)
    XCTAssertEqual(try log.steps(runID: runID), (1...5).map { step(runID, $0) })
  }

  func testBatchThatFailsIsWrittenAllOrNothing() throws {
    let log = try makeLog(stepBatchSize: 3)
    let runID = try startRun(log)
    try log.logStep(step(runID, 1))
    try log.logStep(step(runID + 99, 2))  // no such run: the foreign key fails the batch
    XCTAssertThrowsError(try log.logStep(step(runID, 3)))
    XCTAssertEqual(try count(log, "steps"), 0)
  }

  func testLogEvaluationWritesPendingStepsFirst() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    for s in 1...10 { try log.logStep(step(runID, s)) }
    try log.logEvaluation(
      runID: runID, step: 10, devLoss: 2.0, bleu: 12.5, bleuSignature: "nrefs:1|tok:13a",
      elapsedSeconds: 1.5)
    XCTAssertEqual(try count(log, "steps"), 10)
    XCTAssertEqual(
      try log.evaluations(runID: runID),
      [EvaluationRecord(runID: runID, step: 10, devLoss: 2.0, bleu: 12.5, bleuSignature: "nrefs:1|tok:13a", elapsedSeconds: 1.5)])
  }

  func testNaNLossIsStoredAsNullAndReadBackAsNaN() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logStep(step(runID, 1, loss: .nan))
    try log.flush()
    XCTAssertEqual(try log.database.scalar("SELECT loss FROM steps"), .null)
    XCTAssertTrue(try log.steps(runID: runID)[0].loss.isNaN)
  }

  func testAlignmentsAreStoredWithTokensAndArgmaxViewFindsTheStrongestSource() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logProbes(runID: runID, probes: [(source: ["a", "b", "c"], reference: ["c", "b", "a"])])
    // Produced "c b a </s>" attending mostly to the reversed source position.
    let weights: [Float] = [
      0.1, 0.2, 0.7,
      0.2, 0.6, 0.2,
      0.8, 0.1, 0.1,
      0.3, 0.3, 0.4,
    ]
    try log.logAlignment(
      runID: runID, step: 100, probe: 0, sourceTokens: ["a", "b", "c"],
      targetTokens: ["c", "b", "a", "</s>"], weights: weights)
    XCTAssertEqual(try count(log, "alignments"), 12)
    XCTAssertEqual(
      try log.database.query(
        """
        SELECT target_token, source_token, weight FROM alignments
        WHERE target_position = 1 AND source_position = 1
        """),
      [[.text("b"), .text("b"), .real(Double(Float(0.6)))]])
    XCTAssertEqual(try log.alignmentArgmax(runID: runID, step: 100, probe: 0), [2, 1, 0, 2])
    XCTAssertEqual(
      try log.database.query(
        "SELECT target_token, source_token FROM alignment_argmax ORDER BY target_position"),
      [["c", "c"], ["b", "b"], ["a", "a"], ["</s>", "c"]].map { $0.map(SQLiteValue.text) })
    XCTAssertEqual(
      try log.database.query("SELECT source, reference FROM probes"), [[.text("a b c"), .text("c b a")]])
  }

  func testLatestAlignmentsViewShowsOnlyTheLastLoggedStep() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logProbes(
      runID: runID, probes: [(source: ["x"], reference: ["y"]), (source: ["p", "q"], reference: ["r"])])
    for stepNumber in [100, 200] {
      try log.logAlignment(
        runID: runID, step: stepNumber, probe: 0, sourceTokens: ["x"], targetTokens: ["y"], weights: [1])
      try log.logAlignment(
        runID: runID, step: stepNumber, probe: 1, sourceTokens: ["p", "q"], targetTokens: ["r"],
        weights: [0.25, 0.75])
    }
    XCTAssertEqual(
      try log.database.query("SELECT DISTINCT step, probe FROM latest_alignments ORDER BY probe"),
      [[.integer(200), .integer(0)], [.integer(200), .integer(1)]])
    XCTAssertEqual(try log.database.scalarInt("SELECT count(*) FROM latest_alignments"), 3)
  }

  func testRelogingAnAlignmentReplacesItAndMismatchedWeightsAreRefused() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logProbes(runID: runID, probes: [(source: ["a", "b"], reference: ["b", "a"])])
    try log.logAlignment(
      runID: runID, step: 1, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["b", "a", "a"],
      weights: [0, 1, 1, 0, 1, 0])
    try log.logAlignment(
      runID: runID, step: 1, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["b"], weights: [0, 1])
    XCTAssertEqual(try count(log, "alignments"), 2)
    XCTAssertThrowsError(
      try log.logAlignment(
        runID: runID, step: 2, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["b"], weights: [1])
    ) {
      XCTAssertEqual($0 as? TrainingLogError, .alignmentShape(targetCount: 1, sourceCount: 2, weightCount: 1))
    }
    XCTAssertThrowsError(
      try log.logAlignment(
        runID: runID, step: 2, probe: 7, sourceTokens: ["a"], targetTokens: ["b"], weights: [1]),
      "an alignment needs its probe to be logged")
  }

  func testMarkInterruptedRunsFlipsRunningRunsOfDeadProcessesOnly() throws {
    let path = try makeTemporaryDirectory() + "/training.sqlite"
    let log = try TrainingLog(path: path)
    let crashed = try startRun(log, name: "crashed")
    let live = try startRun(log, name: "live")
    let done = try startRun(log, name: "done")
    for s in 1...7 { try log.logStep(step(crashed, s)) }
    try log.flush()
    try log.finishRun(runID: done, status: .completed, finalStep: 3, bestBLEU: 9)
    // A pid above any kernel's pid_max cannot belong to a live process.
    try log.database.run("UPDATE runs SET pid = 2147483647 WHERE id = ?", [.integer(crashed)])

    XCTAssertEqual(try log.markInterruptedRuns(), [crashed])
    let byName = Dictionary(uniqueKeysWithValues: try log.runs().map { ($0.name, $0) })
    XCTAssertEqual(byName["crashed"]?.status, .interrupted)
    XCTAssertEqual(byName["crashed"]?.finalStep, 7)
    XCTAssertEqual(byName["live"]?.status, .running, "this process is alive")
    XCTAssertEqual(byName["done"]?.status, .completed)
    XCTAssertEqual(try log.markInterruptedRuns(), [])
    _ = live
  }

  func testOpeningALogMarksRunsLeftRunningByACrashedProcess() throws {
    let path = try makeTemporaryDirectory() + "/training.sqlite"
    let runID = try startRun(try TrainingLog(path: path))
    try SQLiteDatabase(path: path).run("UPDATE runs SET pid = 2147483647")
    XCTAssertEqual(try TrainingLog(path: path).run(id: runID)?.status, .interrupted)
  }

  func testRunsSummariseProgressAndLatestRunByNameFindsTheNewest() throws {
    let log = try makeLog()
    let first = try startRun(log, name: "toy")
    let other = try startRun(log, name: "other")
    let second = try startRun(log, name: "toy")
    for s in 1...5 { try log.logStep(step(second, s, loss: 3.0 - Double(s) / 10)) }
    try log.logEvaluation(runID: second, step: 2, devLoss: 2.5, bleu: 10, bleuSignature: "s", elapsedSeconds: 1)
    try log.logEvaluation(runID: second, step: 4, devLoss: 2.2, bleu: 14, bleuSignature: "s", elapsedSeconds: 2)
    try log.logEvaluation(runID: second, step: 5, devLoss: 2.1, bleu: 14, bleuSignature: "s", elapsedSeconds: 3)
    try log.finishRun(runID: second, status: .completed, finalStep: 5, bestBLEU: 14)

    XCTAssertEqual(try log.runs().map(\.id), [first, other, second])
    let summary = try XCTUnwrap(try log.latestRun(named: "toy"))
    XCTAssertEqual(summary.id, second)
    XCTAssertEqual(summary.status, .completed)
    XCTAssertEqual(summary.seed, 42)
    XCTAssertEqual(summary.sourceVocabularySize, 30)
    XCTAssertEqual(summary.targetVocabularySize, 31)
    XCTAssertEqual(summary.trainPairs, 1000)
    XCTAssertEqual(summary.blas, "openblas Haswell")
    XCTAssertEqual(summary.configJSON, #"{"attention":"bahdanau","hidden":64}"#)
    XCTAssertEqual(summary.finalStep, 5)
    XCTAssertEqual(summary.bestBLEU, 14)
    XCTAssertEqual(summary.bestBLEUStep, 4, "ties go to the earliest step")
    XCTAssertEqual(summary.lastStep, 5)
    XCTAssertEqual(summary.lastLoss, 2.5)
    XCTAssertNotNil(summary.endedAt)
    XCTAssertNil(try log.latestRun(named: "missing"))
    XCTAssertEqual(try log.run(id: first)?.lastStep, nil)
    XCTAssertThrowsError(try log.finishRun(runID: 999, status: .failed, finalStep: 0, bestBLEU: nil)) {
      XCTAssertEqual($0 as? TrainingLogError, .unknownRun(id: 999))
    }
  }

  func testTimestampsAreISO8601UTC() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.finishRun(runID: runID, status: .failed, finalStep: 0, bestBLEU: nil)
    let run = try XCTUnwrap(try log.run(id: runID))
    let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#
    XCTAssertNotNil(run.startedAt.range(of: pattern, options: .regularExpression), run.startedAt)
    XCTAssertNotNil(run.endedAt?.range(of: pattern, options: .regularExpression), "\(run.endedAt as Any)")
  }

  func testStatusColumnAcceptsExactlyTheRunStatusCases() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    for status in RunStatus.allCases {
      XCTAssertNoThrow(
        try log.database.run("UPDATE runs SET status = ? WHERE id = ?", [.text(status.rawValue), .integer(runID)]))
    }
    XCTAssertThrowsError(
      try log.database.run("UPDATE runs SET status = 'paused' WHERE id = ?", [.integer(runID)]))
    XCTAssertThrowsError(
      try log.startRun(
        name: "bad", configJSON: "{not json", seed: 1, sourceVocabularySize: 1, targetVocabularySize: 1,
        trainPairs: 1, blas: "none"), "config must be JSON")
  }

  func testLoggingANewBestCheckpointClearsTheOldBestFlag() throws {
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logCheckpoint(runID: runID, step: 100, path: "checkpoints/a.ckpt", bleu: 5, isBest: true)
    try log.logCheckpoint(runID: runID, step: 200, path: "checkpoints/last.ckpt", bleu: 4, isBest: false)
    XCTAssertEqual(try log.bestCheckpoint(runID: runID)?.path, "checkpoints/a.ckpt")
    try log.logCheckpoint(runID: runID, step: 300, path: "checkpoints/b.ckpt", bleu: 7, isBest: true)
    XCTAssertEqual(try log.checkpoints(runID: runID).map(\.isBest), [false, false, true])
    XCTAssertEqual(try log.bestCheckpoint(runID: runID)?.step, 300)
  }

  func testSQLiteShellCanQueryALogWhileItIsOpen() throws {
    let shell = "/usr/bin/sqlite3"
    guard FileManager.default.isExecutableFile(atPath: shell) else {
      throw XCTSkip("\(shell) is not installed")
    }
    let log = try makeLog()
    let runID = try startRun(log)
    try log.logProbes(runID: runID, probes: [(source: ["le", "chat"], reference: ["the", "cat"])])
    try log.logAlignment(
      runID: runID, step: 10, probe: 0, sourceTokens: ["le", "chat"], targetTokens: ["the", "cat"],
      weights: [0.9, 0.1, 0.3, 0.7])
    try log.logStep(step(runID, 10))
    try log.flush()

    let process = Process()
    process.executableURL = URL(fileURLWithPath: shell)
    process.arguments = [
      log.path,
      """
      PRAGMA user_version;
      SELECT name, status FROM runs;
      SELECT count(*) FROM steps;
      SELECT target_token || '>' || source_token FROM alignment_argmax ORDER BY target_position;
      """,
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    XCTAssertEqual(text, "\(TrainingLogSchema.version)\ntoy-reverse|running\n1\nthe>le\ncat>chat\n")
  }
}
