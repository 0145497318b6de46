import Foundation
import XCTest

@testable import AttendStorage

/// A process killed while it writes leaves a consistent log: SQLite's WAL rolls back the
/// half-written transaction, so every batch of steps and every alignment is all or nothing, and
/// the killed run is marked interrupted by the next process that opens the file.
final class TrainingLogCrashTests: XCTestCase {
  static let stepBatchSize = 50

  /// The helper executable (target attend-log-writer), built next to the test bundle.
  private func writerExecutable() throws -> URL {
    let bundleDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let candidates = [bundleDirectory, Bundle.main.bundleURL.deletingLastPathComponent()].map {
      $0.appendingPathComponent("attend-log-writer")
    }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
      throw XCTSkip("attend-log-writer is not built next to the tests (looked in \(candidates.map(\.path)))")
    }
    return found
  }

  /// Starts the writer on `path`, waits until it has committed its first cycle, lets it write for
  /// `milliseconds` more, then SIGKILLs it.
  private func killWriterWhileWriting(path: String, after milliseconds: UInt32) throws {
    let process = Process()
    process.executableURL = try writerExecutable()
    process.arguments = [path, String(Self.stepBatchSize)]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let ready = output.fileHandleForReading.availableData  // blocks until "ready" (or EOF on failure)
    XCTAssertTrue(String(decoding: ready, as: UTF8.self).hasPrefix("ready"), "the writer failed to start")
    usleep(milliseconds * 1000)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationReason, .uncaughtSignal)
    XCTAssertEqual(process.terminationStatus, SIGKILL)
  }

  /// Checks what a killed writer leaves: an intact file whose transactions are all or nothing.
  private func assertConsistent(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let db = try SQLiteDatabase(path: path)
    XCTAssertEqual(try db.scalarText("PRAGMA integrity_check"), "ok", file: file, line: line)
    XCTAssertEqual(try db.query("PRAGMA foreign_key_check"), [], file: file, line: line)
    // Steps are written in batches of stepBatchSize, one transaction each.
    for row in try db.query("SELECT run_id, count(*), max(step) FROM steps GROUP BY run_id") {
      let count = row[1].integerValue!
      XCTAssertEqual(count % Int64(Self.stepBatchSize), 0, "run \(row[0]): \(count) steps", file: file, line: line)
      XCTAssertEqual(row[2].integerValue, count, "no step is missing", file: file, line: line)
    }
    // Every alignment is a full 24 × 24 matrix.
    let partial = try db.query(
      "SELECT run_id, step, probe, count(*) FROM alignments GROUP BY run_id, step, probe HAVING count(*) != 576")
    XCTAssertEqual(partial, [], "half-written alignments", file: file, line: line)
    // An evaluation is only written after its steps.
    XCTAssertEqual(
      try db.scalarInt(
        "SELECT count(*) FROM evaluations AS e WHERE NOT EXISTS (SELECT 1 FROM steps AS s WHERE s.run_id = e.run_id AND s.step = e.step)"),
      0, file: file, line: line)
  }

  func testKillingAWriterMidWriteLeavesAConsistentLogAndAnInterruptedRun() throws {
    let path = try makeTemporaryDirectory() + "/crash.sqlite"
    // Three writers in turn, killed after different amounts of writing; each one opens the file
    // its predecessor was killed in, recovering the WAL.
    for (attempt, delay) in [5, 40, 120].enumerated() {
      try killWriterWhileWriting(path: path, after: UInt32(delay))
      try assertConsistent(path)
      XCTAssertEqual(
        try SQLiteDatabase(path: path).scalarInt("SELECT count(*) FROM runs"), Int64(attempt + 1))
    }

    // The next open marks every killed run as interrupted, at its last written step.
    let log = try TrainingLog(path: path)
    let runs = try log.runs()
    XCTAssertEqual(runs.map(\.status), [.interrupted, .interrupted, .interrupted])
    for run in runs {
      XCTAssertEqual(run.finalStep, run.lastStep)
      XCTAssertGreaterThanOrEqual(run.lastStep ?? 0, Self.stepBatchSize, "the first cycle was committed")
      XCTAssertNil(run.endedAt)
    }

    // A resumed run continues on the same file.
    let resumed = try log.resumeRun(id: runs[0].id)
    XCTAssertEqual(resumed.status, .interrupted)
    XCTAssertEqual(try log.run(id: runs[0].id)?.status, .running)
    XCTAssertEqual(try log.run(id: runs[0].id)?.resumeCount, 1)
    try log.logStep(
      StepRecord(
        runID: runs[0].id, step: (runs[0].lastStep ?? 0) + 1, epoch: 0, loss: 1, perplexity: 2.7, learningRate: 1e-3,
        gradNorm: 1, tokensPerSecond: 1, elapsedSeconds: 1))
    try log.finishRun(runID: runs[0].id, status: .completed, finalStep: (runs[0].lastStep ?? 0) + 1, bestBLEU: nil)
    XCTAssertEqual(try log.run(id: runs[0].id)?.status, .completed)
  }
}
