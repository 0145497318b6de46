import AttendCheckpoint
import AttendData
import AttendKernels
import Foundation
import XCTest

@testable import AttendTraining

/// A run's checkpoint directory from the trainer's side: a run that fails before its first
/// checkpoint (bad data, a database it cannot open, `--resume` with nothing to resume) leaves no
/// directory behind, and a run whose lock is held changes nothing.
final class RunDirectoryLifecycleTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  func testARunFailingOnItsDataLeavesNoCheckpointDirectory() throws {
    let x = try TinyExperiment(self)
    try "w1 w2\tw2 w1\nno tab on this line\n".write(toFile: x.directory + "/corpus/bad.tsv", atomically: true, encoding: .utf8)
    var config = x.config(run: "bad-data", maxSteps: 3)
    config.data.train = x.directory + "/corpus/bad.tsv"
    XCTAssertThrowsError(try silentTrainer(config).run()) { XCTAssertTrue($0 is DataError, "\($0)") }
    XCTAssertFalse(exists(x.runDirectory("bad-data")))
  }

  func testARunFailingToOpenItsDatabaseLeavesNoCheckpointDirectory() throws {
    let x = try TinyExperiment(self)
    var config = x.config(run: "bad-database", maxSteps: 3)
    config.logging.database = x.directory + "/corpus/train.tsv/log.sqlite"  // a file where a directory must be
    XCTAssertThrowsError(try silentTrainer(config).run())
    XCTAssertFalse(exists(x.runDirectory("bad-database")))
  }

  func testResumeWithNothingToResumeCreatesNoDirectory() throws {
    let x = try TinyExperiment(self)
    XCTAssertThrowsError(try silentTrainer(x.config(run: "none", maxSteps: 3), resume: true).run())
    XCTAssertFalse(exists(x.runDirectory("none")))
    XCTAssertFalse(exists(x.directory + "/checkpoints"), "not even the parent")
  }

  func testAFailedRunKeepsADirectoryItDidNotCreate() throws {
    let x = try TinyExperiment(self)
    try FileManager.default.createDirectory(atPath: x.runDirectory("mine"), withIntermediateDirectories: true)
    var config = x.config(run: "mine", maxSteps: 3)
    config.logging.database = x.directory + "/corpus/train.tsv/log.sqlite"
    XCTAssertThrowsError(try silentTrainer(config).run())
    XCTAssertTrue(exists(x.runDirectory("mine")))
  }

  /// In one process (two processes: AttendCLITests' RunReliabilityTests): while the run's lock is
  /// held, an overwriting trainer is refused before it deletes anything.
  func testAnOverwritingTrainerOfALockedRunIsRefusedAndDeletesNothing() throws {
    let x = try TinyExperiment(self)
    _ = try silentTrainer(x.config(run: "held", maxSteps: 3)).run()
    let before = try FileManager.default.contentsOfDirectory(atPath: x.runDirectory("held")).sorted()
    let lock = try RunLock(directory: x.runDirectory("held"))
    XCTAssertThrowsError(try silentTrainer(x.config(run: "held", maxSteps: 3), overwrite: true).run()) {
      guard case .heldByAnotherProcess(_, let holder)? = $0 as? RunLockError else { return XCTFail("\($0)") }
      XCTAssertEqual(holder?.pid, Int64(getpid()))
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: x.runDirectory("held")).sorted(), before)
    lock.release()
    XCTAssertNoThrow(try silentTrainer(x.config(run: "held", maxSteps: 2), overwrite: true).run())
  }
}
