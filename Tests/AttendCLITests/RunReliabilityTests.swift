import AttendCheckpoint
import AttendStorage
import Foundation
import XCTest

/// One live writer per run, and crash consistency, through real `attend train` processes: a
/// second trainer of a live run is refused naming it; a process killed at an exact moment of
/// writing a checkpoint (`ATTEND_KILL_AT`, FaultInjection) leaves a directory whose pointers,
/// step files and training-log rows the next start makes agree, saying what it did.
final class RunReliabilityTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "attend-cli-reliability-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/corpus", withIntermediateDirectories: true)
    addTeardownBlock { [directory] in try? FileManager.default.removeItem(atPath: directory) }
    // A reverse-task corpus from a fixed seed (SplitMix64).
    var state: UInt64 = 91
    func next(_ bound: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
    func corpus(_ count: Int) -> String {
      (0..<count).map { _ in
        let words = (0..<(2 + next(5))).map { _ in "t\(next(10))" }
        return words.joined(separator: " ") + "\t" + words.reversed().joined(separator: " ")
      }.joined(separator: "\n") + "\n"
    }
    try corpus(200).write(toFile: directory + "/corpus/train.tsv", atomically: true, encoding: .utf8)
    try corpus(8).write(toFile: directory + "/corpus/dev.tsv", atomically: true, encoding: .utf8)
    try """
      model:
        embedding_size: 8
        hidden_size: 8
        attention_size: 8
      data:
        train: \(directory)/corpus/train.tsv
        dev: \(directory)/corpus/dev.tsv
      training:
        batch_size: 16
        epochs: 1000
        max_steps: 15
        eval_every: 5
        keep_last: 2
        threads: 1
        checkpoint_dir: \(directory)/checkpoints
      logging:
        database: \(directory)/log.sqlite
        log_every: 5
        probes: 1
      """.write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
  }

  private var binary: String {
    let products = Bundle.main.executableURL?.deletingLastPathComponent()
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return products.appendingPathComponent("attend").path
  }

  private func process(_ arguments: [String], killAt: String? = nil) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["train", "--config", directory + "/tiny.yaml"] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment[FaultInjection.variable] = killAt
    process.environment = environment
    return process
  }

  /// Runs `attend train` to its end: (termination status, standard output + standard error).
  @discardableResult
  private func train(_ arguments: [String], killAt: String? = nil) throws -> (Process, String) {
    let process = process(arguments, killAt: killAt)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process, String(decoding: text, as: UTF8.self))
  }

  private func runDirectory(_ run: String) -> String { directory + "/checkpoints/" + run }

  private func names(_ run: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: runDirectory(run)).sorted()
  }

  private func stepFiles(_ run: String) throws -> [String] {
    try names(run).filter { CheckpointDirectory.step(ofFileName: $0) != nil }
  }

  private func pointer(_ run: String, _ name: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: runDirectory(run) + "/" + name)
  }

  /// What "agree" means: `latest.ckpt` → the newest step file, `best.ckpt` → a step file present,
  /// one `checkpoints` row per step file (none twice) with its path, and `is_best` on the row of
  /// the step `best.ckpt` points at alone; no temporary file.
  private func assertAgrees(_ run: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let steps = try stepFiles(run)
    XCTAssertFalse(steps.isEmpty, file: file, line: line)
    XCTAssertEqual(pointer(run, "latest.ckpt"), steps.last, "latest", file: file, line: line)
    let best = try XCTUnwrap(pointer(run, "best.ckpt"), "best.ckpt", file: file, line: line)
    XCTAssertTrue(steps.contains(best), "best.ckpt → \(best), files \(steps)", file: file, line: line)
    XCTAssertEqual(try names(run).filter { $0.contains(".tmp-") }, [], file: file, line: line)
    let db = try SQLiteDatabase(path: directory + "/log.sqlite")
    let runID = try XCTUnwrap(try db.scalarInt("SELECT max(id) FROM runs WHERE name = ?", [.text(run)]))
    let rows = try db.query("SELECT step, path, is_best FROM checkpoints WHERE run_id = ? ORDER BY step", [.integer(runID)])
    let rowSteps = rows.map { Int($0[0].integerValue!) }
    XCTAssertEqual(rowSteps, Array(Set(rowSteps)).sorted(), "one row per step", file: file, line: line)
    for name in steps {
      let step = CheckpointDirectory.step(ofFileName: name)!
      let matching = rows.filter { $0[0].integerValue == Int64(step) }
      XCTAssertEqual(matching.map { $0[1].textValue }, [runDirectory(run) + "/" + name], "row of \(name)", file: file, line: line)
    }
    let bestRows = rows.filter { $0[2].integerValue == 1 }.map { Int($0[0].integerValue!) }
    XCTAssertEqual(bestRows, [CheckpointDirectory.step(ofFileName: best)!], "is_best", file: file, line: line)
  }

  private func assertKilled(_ process: Process, _ output: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(process.terminationReason, .uncaughtSignal, output, file: file, line: line)
    XCTAssertEqual(process.terminationStatus, SIGKILL, output, file: file, line: line)
  }

  // MARK: One live writer per run

  func testASecondTrainerOfALiveRunIsRefusedNamingItAndTouchesNothing() throws {
    let first = process(["--run-name", "r", "--max-steps", "1000000"])
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    defer {
      if first.isRunning { kill(first.processIdentifier, SIGKILL) }
      first.waitUntilExit()
    }
    let deadline = Date().addingTimeInterval(120)
    while pointer("r", "latest.ckpt") == nil && first.isRunning && Date() < deadline { usleep(10_000) }
    XCTAssertTrue(first.isRunning, "the first trainer runs")
    let runsBefore = try SQLiteDatabase(path: directory + "/log.sqlite").scalarInt("SELECT count(*) FROM runs")

    for flag in ["--overwrite", "--resume"] {
      let (second, output) = try train(["--run-name", "r", flag])
      XCTAssertEqual(second.terminationStatus, 1, output)
      XCTAssertTrue(
        output.hasPrefix(
          "error: \(runDirectory("r")): the run is being trained by process \(first.processIdentifier) on host "
            + "\(ProcessIdentity.hostName), training since 20"), output)
      XCTAssertTrue(FileManager.default.fileExists(atPath: runDirectory("r") + "/latest.ckpt"), "nothing deleted")
    }
    XCTAssertTrue(first.isRunning, "the first trainer was not disturbed")
    XCTAssertEqual(
      try SQLiteDatabase(path: directory + "/log.sqlite").scalarInt("SELECT count(*) FROM runs"), runsBefore,
      "the refused trainers logged no run")

    // Killed, the holder's lock is released by the kernel: the run resumes.
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()
    let newest = try XCTUnwrap(try stepFiles("r").last.flatMap(CheckpointDirectory.step(ofFileName:)))
    let (resumed, output) = try train(["--run-name", "r", "--resume", "--max-steps", String(newest + 5)])
    XCTAssertEqual(resumed.terminationStatus, 0, output)
    try assertAgrees("r")
  }

  // MARK: Killed at an exact moment, recovered at the next start

  /// The issue's case: killed just after the run's first step file was renamed into place, before
  /// `latest.ckpt`/`best.ckpt` existed and before its row.
  func testKilledAfterTheFirstStepFileTheNextStartRestoresThePointersAndTheRow() throws {
    let (killed, output) = try train(["--run-name", "k"], killAt: "step-file-renamed")
    assertKilled(killed, output)
    XCTAssertEqual(try names("k"), ["run.lock", "step-00000005.ckpt"])

    let (resumed, log) = try train(["--run-name", "k", "--resume"])
    XCTAssertEqual(resumed.terminationStatus, 0, log)
    XCTAssertTrue(log.contains("recovery: \(runDirectory("k")): latest.ckpt was missing; now points to step-00000005.ckpt"), log)
    XCTAssertTrue(log.contains("recovery: \(runDirectory("k")): best.ckpt was missing; now points to step-00000005.ckpt"), log)
    XCTAssertTrue(log.contains("logged the checkpoint of step 5"), log)
    try assertAgrees("k")
  }

  /// Killed between the second checkpoint's pointers and its row: the row is written at the next
  /// start, and `is_best` follows `best.ckpt`. Resuming the finished run again logs no second row.
  func testKilledBeforeACheckpointsRowTheNextStartLogsItAndAFinishedRunLogsNoDuplicate() throws {
    let (killed, output) = try train(["--run-name", "p"], killAt: "pointers-moved@2")
    assertKilled(killed, output)
    XCTAssertEqual(pointer("p", "latest.ckpt"), "step-00000010.ckpt")
    let db = try SQLiteDatabase(path: directory + "/log.sqlite")
    XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM checkpoints WHERE step = 10"), 0, "the row was never written")

    let (resumed, log) = try train(["--run-name", "p", "--resume", "--max-steps", "12"])
    XCTAssertEqual(resumed.terminationStatus, 0, log)
    XCTAssertTrue(log.contains("logged the checkpoint of step 10"), log)
    try assertAgrees("p")
    // Finished at step 12 between evaluations: resuming it evaluates step 12 again and rewrites
    // its checkpoint, which replaces the row rather than adding one.
    let (again, secondLog) = try train(["--run-name", "p", "--resume", "--max-steps", "12"])
    XCTAssertEqual(again.terminationStatus, 0, secondLog)
    XCTAssertFalse(secondLog.contains("recovery:"), "nothing left to repair: \(secondLog)")
    try assertAgrees("p")
    XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM checkpoints WHERE step = 12"), 1)
  }

  /// Killed with a checkpoint's temporary file complete but not renamed: the next start removes it
  /// (its writer is dead) and says so; the run then goes on to agree.
  func testATemporaryFileOfAKilledWriterIsRemovedAndReported() throws {
    let (killed, output) = try train(["--run-name", "t"], killAt: "temporary-file-written@2")
    assertKilled(killed, output)
    let temporary = try names("t").filter { $0.contains(".tmp-") }
    XCTAssertEqual(temporary.count, 1, "\((try? names("t")) ?? [])")
    XCTAssertTrue(temporary.first?.hasPrefix(".step-00000010.ckpt.tmp-\(killed.processIdentifier)-") ?? false, "\(temporary)")

    let (resumed, log) = try train(["--run-name", "t", "--resume"])
    XCTAssertEqual(resumed.terminationStatus, 0, log)
    XCTAssertTrue(log.contains("recovery: \(runDirectory("t")): removed \(temporary[0]), the temporary file of a killed checkpoint writer"), log)
    try assertAgrees("t")
  }
}
