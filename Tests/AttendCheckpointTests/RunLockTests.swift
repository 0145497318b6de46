import AttendStorage
import Foundation
import XCTest

@testable import AttendCheckpoint

/// The run lock in one process (two real processes: AttendCLITests' RunReliabilityTests): a second
/// holder is refused naming the first, releasing frees it, and a run that fails before writing
/// anything takes its new directory away again.
final class RunLockTests: XCTestCase {
  func testASecondLockOnTheSameRunIsRefusedNamingTheHolder() throws {
    let directory = try makeTemporaryDirectory() + "/run"
    let first = try RunLock(directory: directory)
    XCTAssertTrue(first.createdDirectory)
    XCTAssertThrowsError(try RunLock(directory: directory)) { error in
      guard case .heldByAnotherProcess(let path, let holder)? = error as? RunLockError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(path, directory + "/run.lock")
      XCTAssertEqual(holder?.pid, Int64(getpid()))
      XCTAssertEqual(holder?.host, ProcessIdentity.hostName)
      XCTAssertNotNil(ISO8601DateFormatter().date(from: holder?.since ?? ""), holder?.since ?? "")
      let text = "\(error)"
      XCTAssertTrue(text.hasPrefix("\(directory): the run is being trained by process \(getpid()) on host "), text)
      XCTAssertTrue(text.contains("nothing was changed") && text.contains("--run-name"), text)
    }
    first.release()
    let second = try RunLock(directory: directory)
    XCTAssertFalse(second.createdDirectory, "the directory was there already")
  }

  func testReleasingAnUnusedDirectoryRemovesItOnlyWhenTheLockCreatedItAndItHoldsNothing() throws {
    let base = try makeTemporaryDirectory()
    XCTAssertTrue(try RunLock(directory: base + "/fresh").releaseRemovingUnusedDirectory())
    XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/fresh"))

    let used = try RunLock(directory: base + "/used")
    FileManager.default.createFile(atPath: base + "/used/step-00000005.ckpt", contents: Data([1]))
    XCTAssertFalse(used.releaseRemovingUnusedDirectory())
    XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/used/step-00000005.ckpt"))

    try FileManager.default.createDirectory(atPath: base + "/existing", withIntermediateDirectories: true)
    XCTAssertFalse(try RunLock(directory: base + "/existing").releaseRemovingUnusedDirectory())
    XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/existing"), "a directory the user made stays")
  }

  /// After a failed run removed its directory, the next trainer recreates it and its lock excludes others.
  func testAfterAnUnusedDirectoryIsRemovedTheNextLockRecreatesItAndExcludesOthers() throws {
    let directory = try makeTemporaryDirectory() + "/run"
    let first = try RunLock(directory: directory)
    XCTAssertTrue(first.releaseRemovingUnusedDirectory())
    // The directory is gone; a new lock recreates it and locks the new file.
    let second = try RunLock(directory: directory)
    XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/run.lock"))
    XCTAssertThrowsError(try RunLock(directory: directory), "the new file is the locked one")
    second.release()
  }
}
