#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Files and pointers that are replaced all at once or not at all, so that a crash, a full disk or
/// a `kill -9` at any moment leaves the previous version readable.
///
/// The recipe (POSIX guarantees `rename` replaces its target atomically): write a temporary file
/// `.<name>.tmp-<pid>-<random>` in the target's directory (same file system, so the rename cannot
/// turn into a copy), `fsync` it, `rename` it over the target, then `fsync` the directory so the
/// new directory entry survives a power cut. Checkpoints, exported safetensors files and the
/// `latest`/`best` pointers all go through here.
public enum AtomicFile {
  /// Points in `write` where a test can inject a failure.
  enum Stage: CaseIterable {
    case temporaryFileCreated, contentWritten, beforeRename
  }

  /// Writes the file at `path` through `body`. If `body` or any system call fails, `path` keeps
  /// its previous content (or stays absent) and the temporary file is removed. The directory
  /// must exist. Errors are `CheckpointError`s naming `path`.
  public static func write(to path: String, _ body: (FileWriter) throws -> Void) throws {
    try write(to: path, injectingFailure: { _ in }, body)
  }

  static func write(
    to path: String, injectingFailure hook: (Stage) throws -> Void, _ body: (FileWriter) throws -> Void
  ) throws {
    let (directory, base) = split(path)
    let temporaryPath = (directory == "/" ? "" : directory) + "/" + temporaryName(for: base)
    let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw CheckpointError.system(path, "create temporary file \(temporaryPath)")
    }
    var fileOpen = true
    do {
      try hook(.temporaryFileCreated)
      try body(FileWriter(fd: fd, path: path))
      try hook(.contentWritten)
      guard fsync(fd) == 0 else { throw CheckpointError.system(path, "fsync \(temporaryPath)") }
      fileOpen = false
      guard close(fd) == 0 else { throw CheckpointError.system(path, "close \(temporaryPath)") }
      try hook(.beforeRename)
      FaultInjection.reached(.temporaryFileWritten)
      guard rename(temporaryPath, path) == 0 else {
        throw CheckpointError.system(path, "rename \(temporaryPath) to \(path)")
      }
    } catch {
      if fileOpen { close(fd) }
      unlink(temporaryPath)
      throw error
    }
    try syncDirectory(directory, for: path)
  }

  /// Makes `path` a symbolic link to `target` (a name relative to `path`'s directory), replacing
  /// whatever was at `path` in one step: a reader sees the old pointer or the new one, never none.
  public static func replaceSymbolicLink(at path: String, pointingTo target: String) throws {
    let (directory, base) = split(path)
    let temporaryPath = (directory == "/" ? "" : directory) + "/" + temporaryName(for: base)
    guard symlink(target, temporaryPath) == 0 else {
      throw CheckpointError.system(path, "create symbolic link \(temporaryPath)")
    }
    guard rename(temporaryPath, path) == 0 else {
      let error = CheckpointError.system(path, "rename \(temporaryPath) to \(path)")
      unlink(temporaryPath)
      throw error
    }
    try syncDirectory(directory, for: path)
  }

  /// Removes temporary files left in `directory` by writers that died (killed mid-write): those
  /// whose process id no longer runs. Files of live writers are left alone. Returns the names
  /// removed.
  @discardableResult
  public static func removeStaleTemporaryFiles(in directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      names.append(name)
    }
    closedir(stream)
    var removed: [String] = []
    for name in names {
      guard name.hasPrefix("."), let marker = name.range(of: ".tmp-") else { continue }
      let pidText = name[marker.upperBound...].prefix { $0 != "-" }
      guard let pid = pid_t(pidText), pid > 0 else { continue }
      if kill(pid, 0) == 0 || errno == EPERM { continue }  // a live process owns it
      if unlink(directory + "/" + name) == 0 { removed.append(name) }
    }
    return removed.sorted()
  }

  /// (directory, file name) of a path; the directory is "." for a bare name.
  static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = slash == path.startIndex ? "/" : String(path[..<slash])
    return (directory, String(path[path.index(after: slash)...]))
  }

  private static func temporaryName(for base: String) -> String {
    ".\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  }

  /// The rename is durable once the directory entry is; some file systems cannot fsync a
  /// directory (EINVAL), and there is nothing better to do on those.
  private static func syncDirectory(_ directory: String, for path: String) throws {
    let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
    guard directoryFD >= 0 else { return }
    defer { close(directoryFD) }
    if fsync(directoryFD) != 0 && errno != EINVAL {
      throw CheckpointError.system(path, "fsync directory \(directory)")
    }
  }
}

/// Writes to the temporary file of an `AtomicFile.write`.
public struct FileWriter {
  let fd: Int32
  /// The target path, for error messages.
  let path: String

  /// Writes all of `buffer`, retrying short writes and interruptions.
  public func write(_ buffer: UnsafeRawBufferPointer) throws {
    guard var pointer = buffer.baseAddress else { return }
    var remaining = buffer.count
    while remaining > 0 {
      let written = posixWrite(fd, pointer, remaining)
      if written < 0 {
        if errno == EINTR { continue }
        throw CheckpointError.system(path, "write")
      }
      pointer += written
      remaining -= written
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Writes `count` zero bytes.
  public func writeZeros(_ count: Int) throws {
    var left = count
    while left > 0 {
      let n = min(left, zeroBlock.count)
      try zeroBlock.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      left -= n
    }
  }

  /// Writes Float32 values little-endian (no copy on little-endian hosts).
  public func write(littleEndian values: UnsafeBufferPointer<Float>) throws {
    #if _endian(little)
      try write(UnsafeRawBufferPointer(values))
    #else
      try write(values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) })
    #endif
  }
}

private let zeroBlock = [UInt8](repeating: 0, count: 4096)

/// `write(2)`, reachable where a `write` method shadows it.
private func posixWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, pointer, count)
}
