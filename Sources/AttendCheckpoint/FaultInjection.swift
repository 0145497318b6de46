#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Moments of writing a checkpoint at which a test can have the process kill itself, to pin what
/// the next start makes of a kill at exactly that moment (docs/reliability.md).
public enum KillPoint: String, CaseIterable, Sendable {
  /// A checkpoint's temporary file is complete and synced, not yet renamed into place.
  case temporaryFileWritten = "temporary-file-written"
  /// A step file was renamed into place; `latest.ckpt`/`best.ckpt` not yet moved.
  case stepFileRenamed = "step-file-renamed"
  /// The pointers moved; the training log's `checkpoints` row not yet written.
  case pointersMoved = "pointers-moved"
}

/// Test-only fault injection: with `ATTEND_KILL_AT=<point>` (a `KillPoint`) or
/// `ATTEND_KILL_AT=<point>@<n>` in the environment, the process sends itself SIGKILL the n-th
/// time (default: the first) it reaches that point, as an outside kill at that instant would.
/// Unset (always, outside tests), `reached` only compares a counter.
public enum FaultInjection {
  public static let variable = "ATTEND_KILL_AT"

  /// The requested point and occurrence, read once.
  static let request: (point: KillPoint, occurrence: Int)? = {
    guard let raw = getenv(variable) else { return nil }
    let parts = String(cString: raw).split(separator: "@", maxSplits: 1).map(String.init)
    guard let first = parts.first, let point = KillPoint(rawValue: first) else { return nil }
    let occurrence = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
    return (point, max(occurrence, 1))
  }()

  nonisolated(unsafe) private static var reachedCount = 0

  /// Called at each `KillPoint` (checkpoint writing is single-threaded).
  public static func reached(_ point: KillPoint) {
    guard let request, request.point == point else { return }
    reachedCount += 1
    if reachedCount == request.occurrence { kill(getpid(), SIGKILL) }
  }
}
