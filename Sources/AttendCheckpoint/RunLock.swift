#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import AttendStorage
import Foundation

/// One live writer per run: an exclusive `flock` on `run.lock` in the run's checkpoint directory,
/// taken before anything in the directory is touched and held until training ends. The kernel
/// releases it when the holder's process dies however it dies (SIGKILL included), so a lock is
/// never stale and nothing has to guess whether a recorded process is still alive. The holder
/// writes who it is into the file, for the message a second trainer gets.
public final class RunLock {
  public static let fileName = "run.lock"

  /// Who holds a run's lock, as its holder wrote it into the lock file.
  public struct Holder: Equatable, Sendable, CustomStringConvertible {
    public var pid: Int64
    public var host: String
    /// When the holder took the lock (ISO 8601, UTC).
    public var since: String

    /// "process 4242 on host build-1, training since 2026-12-04T18:40:00Z".
    public var description: String { "process \(pid) on host \(host), training since \(since)" }

    /// The file's one line, "pid=4242 host=build-1 since=2026-12-04T18:40:00Z"; nil when it is not that.
    init?(line: String) {
      var fields: [String: String] = [:]
      for part in line.split(separator: " ") {
        guard let equals = part.firstIndex(of: "=") else { return nil }
        fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
      }
      guard let pidText = fields["pid"], let pid = Int64(pidText), let host = fields["host"],
        let since = fields["since"]
      else { return nil }
      (self.pid, self.host, self.since) = (pid, host, since)
    }

    init(pid: Int64, host: String, since: String) {
      (self.pid, self.host, self.since) = (pid, host, since)
    }

    var line: String { "pid=\(pid) host=\(host) since=\(since)\n" }
  }

  /// The run directory and its lock file.
  public let directory: String
  public var path: String { directory + "/" + Self.fileName }
  /// Whether taking the lock created the run directory (a run that fails before writing a
  /// checkpoint removes it again: `releaseRemovingUnusedDirectory`).
  public let createdDirectory: Bool
  private var fd: Int32

  /// Takes the lock of the run directory `directory`, creating the directory if needed. Throws
  /// `RunLockError.heldByAnotherProcess` at once (never waits) when a live process holds it.
  public init(directory: String) throws {
    self.directory = directory
    var created = false
    if !FileManager.default.fileExists(atPath: directory) {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        created = true
      } catch {
        throw CheckpointError(path: directory, problem: .runDirectory("cannot create the directory: \(error.localizedDescription)"))
      }
    }
    let path = directory + "/" + Self.fileName
    // A holder that gave up may have unlinked the file between our open and our flock (it removes
    // an unused directory, lock file included): then the lock we got is on a file no one else
    // can find, so open the path again.
    while true {
      let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        throw RunLockError.cannotLock(path: path, reason: String(cString: strerror(errno)))
      }
      if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        let code = errno
        let holder = Self.readHolder(fd)
        close(fd)
        if code == EWOULDBLOCK { throw RunLockError.heldByAnotherProcess(path: path, holder: holder) }
        throw RunLockError.cannotLock(path: path, reason: String(cString: strerror(code)))
      }
      var opened = stat()
      var named = stat()
      if fstat(fd, &opened) == 0 && stat(path, &named) == 0 && opened.st_ino == named.st_ino
        && opened.st_dev == named.st_dev
      {
        self.fd = fd
        break
      }
      close(fd)
      if !FileManager.default.fileExists(atPath: directory) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      }
    }
    createdDirectory = created
    let holder = Holder(
      pid: Int64(ProcessIdentity.currentPID), host: ProcessIdentity.hostName,
      since: ISO8601DateFormatter().string(from: Date()))
    let bytes = Array(holder.line.utf8)
    // Best effort: the lock itself is the flock; the text only makes a refusal's message useful.
    if ftruncate(fd, 0) == 0 { _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
  }

  deinit { release() }

  /// Gives the lock up (closing the file releases the flock). Idempotent.
  public func release() {
    guard fd >= 0 else { return }
    close(fd)
    fd = -1
  }

  /// For a run that failed before writing anything: when this lock created the directory and it
  /// holds no checkpoint (`*.ckpt`) or other file besides the lock, removes the lock file and the
  /// directory, then releases. Otherwise only releases. Returns whether the directory was removed.
  @discardableResult
  public func releaseRemovingUnusedDirectory() -> Bool {
    defer { release() }
    guard fd >= 0, createdDirectory,
      let names = try? FileManager.default.contentsOfDirectory(atPath: directory),
      names.allSatisfy({ $0 == Self.fileName })
    else { return false }
    // Unlinked while still held: a process that opened the file before this sees, after our
    // release, that the file it locked is no longer the one at `path`, and starts over.
    unlink(path)
    return rmdir(directory) == 0
  }

  /// The holder recorded in an open lock file, nil when unreadable or not yet written.
  private static func readHolder(_ fd: Int32) -> Holder? {
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return nil }
    let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return Holder(line: text)
  }
}

/// Why a run's lock could not be taken.
public enum RunLockError: Error, Equatable, CustomStringConvertible {
  /// Another live process trains this run (`holder` is nil if it has not yet written who it is).
  case heldByAnotherProcess(path: String, holder: RunLock.Holder?)
  /// The lock file could not be opened or locked (permissions, a file system without locks).
  case cannotLock(path: String, reason: String)

  public var description: String {
    switch self {
    case .heldByAnotherProcess(let path, let holder):
      let directory = (path as NSString).deletingLastPathComponent
      let who = holder.map { "\($0)" } ?? "another process (it has not yet written its identity)"
      return "\(directory): the run is being trained by \(who) (lock \(path)); nothing was changed. "
        + "Wait for it to finish or stop it, then resume with --resume; or choose another --run-name"
    case .cannotLock(let path, let reason):
      return "\(path): cannot lock the run's lock file: \(reason)"
    }
  }
}
