#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Who owns a 'running' run (and a run's lock, RunLock): this process's id and host name, and a
/// liveness check.
public enum ProcessIdentity {
  public static let currentPID: Int32 = getpid()

  public static let hostName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(cString: buffer)
  }()

  /// True when a process with this id exists on this host (signal 0 probes without signalling).
  public static func isAlive(_ pid: Int64) -> Bool {
    guard pid > 0, let id = Int32(exactly: pid) else { return false }
    if id == currentPID { return true }
    return kill(id, 0) == 0 || errno == EPERM
  }
}
