import Foundation

/// A run's checkpoint directory, `checkpoint_dir/<run_name>/`:
///
///     step-00000200.ckpt   one training checkpoint per evaluation (and at the end of a run)
///     step-00000400.ckpt
///     latest.ckpt -> step-00000400.ckpt   symbolic link to the newest
///     best.ckpt   -> step-00000200.ckpt   symbolic link to the best by its metric
///     run.lock                             held by the run's live trainer (RunLock)
///
/// After each new checkpoint, the pointers move (each in one atomic rename) and the step files
/// that are neither among the `keepLast` newest nor among the `keepBest` best are deleted. The
/// order (new file complete, then pointers, then deletions) means a kill at any moment leaves
/// `latest.ckpt` pointing at a complete checkpoint, and `best.ckpt` at one that exists.
public final class CheckpointDirectory {
  public struct Entry: Equatable, Sendable {
    public var step: Int
    /// The evaluation it was written after (nil: written without one).
    public var metric: CheckpointMetric?
    public var fileName: String { CheckpointDirectory.fileName(step: step) }
  }

  public static let latestName = "latest.ckpt"
  public static let bestName = "best.ckpt"

  public let path: String
  public let keepLast: Int
  public let keepBest: Int
  /// The step files present, by step.
  public private(set) var entries: [Entry] = []
  /// Temporary files of killed writers that opening the directory removed (`repairPointers` reports them).
  public private(set) var removedTemporaryFiles: [String] = []

  public var latestPath: String { path + "/" + Self.latestName }
  public var bestPath: String { path + "/" + Self.bestName }

  /// Opens (creating it if needed) the directory and lists its step files, reading each one's
  /// header for its step and metric. Files whose header cannot be read are left alone: never
  /// ranked, never deleted. Stale temporary files of killed writers are removed.
  public init(path: String, keepLast: Int, keepBest: Int) throws {
    precondition(keepLast >= 1 && keepBest >= 1, "keep_last and keep_best are validated at config load")
    self.path = path
    self.keepLast = keepLast
    self.keepBest = keepBest
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw CheckpointError(path: path, problem: .runDirectory("cannot create the directory: \(error.localizedDescription)"))
    }
    removedTemporaryFiles = AtomicFile.removeStaleTemporaryFiles(in: path)
    for name in try contents() {
      guard let step = Self.step(ofFileName: name),
        let (header, _, _) = try? ModelCheckpoint.readHeader(from: path + "/" + name)
      else { continue }
      entries.append(Entry(step: step, metric: header.metric))
    }
    entries.sort { $0.step < $1.step }
  }

  /// "step-00001200.ckpt" (eight digits, so a listing sorts by step).
  public static func fileName(step: Int) -> String {
    let digits = String(step)
    return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".ckpt"
  }

  /// The step of a file named by `fileName(step:)`, else nil.
  public static func step(ofFileName name: String) -> Int? {
    guard name.hasPrefix("step-"), name.hasSuffix(".ckpt") else { return nil }
    let digits = name.dropFirst(5).dropLast(5)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
    return Int(digits)
  }

  public func path(step: Int) -> String { path + "/" + Self.fileName(step: step) }

  /// Whether the directory holds checkpoints (or pointers) a new run would overwrite.
  public var holdsCheckpoints: Bool {
    (try? contents())?.contains { $0.hasSuffix(".ckpt") } ?? false
  }

  /// The newest entry, and the best by metric (ties: the earlier step).
  public var latest: Entry? { entries.last }
  public var best: Entry? {
    entries.reduce(nil) { best, entry in
      guard let metric = entry.metric else { return best }
      guard let current = best?.metric else { return entry }
      return metric.isBetter(than: current) ? entry : best
    }
  }

  /// Registers the checkpoint just written for `step`, moves `latest` (and `best`, if this one
  /// is best) and deletes step files outside the retention. Returns the names deleted.
  @discardableResult
  public func record(step: Int, metric: CheckpointMetric?) throws -> [String] {
    entries.removeAll { $0.step == step }
    entries.append(Entry(step: step, metric: metric))
    entries.sort { $0.step < $1.step }
    try AtomicFile.replaceSymbolicLink(at: latestPath, pointingTo: latest!.fileName)
    if let best {
      try AtomicFile.replaceSymbolicLink(at: bestPath, pointingTo: best.fileName)
    }
    let kept = retained()
    var removed: [String] = []
    for entry in entries where !kept.contains(entry.step) {
      if unlink(path + "/" + entry.fileName) == 0 || errno == ENOENT { removed.append(entry.fileName) }
    }
    entries.removeAll { !kept.contains($0.step) }
    return removed
  }

  /// Steps kept: the `keepLast` newest and the `keepBest` best (which include `best`).
  func retained() -> Set<Int> {
    var kept = Set(entries.suffix(keepLast).map(\.step))
    let ranked = entries.enumerated().filter { $0.element.metric != nil }.sorted { a, b in
      let (x, y) = (a.element.metric!, b.element.metric!)
      if x.isBetter(than: y) { return true }
      if y.isBetter(than: x) { return false }
      return a.offset < b.offset
    }
    kept.formUnion(ranked.prefix(keepBest).map(\.element.step))
    return kept
  }

  /// Checkpoints to resume from, best candidate first: the `latest` target, then the other
  /// step files from newest to oldest.
  public func resumeCandidates() -> [String] {
    var candidates: [String] = []
    if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latestPath) {
      candidates.append(target.hasPrefix("/") ? target : path + "/" + target)
    } else if FileManager.default.fileExists(atPath: latestPath) {
      candidates.append(latestPath)  // a version 1 run directory: latest.ckpt is a plain file
    }
    for entry in entries.reversed() where !candidates.contains(self.path(step: entry.step)) {
      candidates.append(self.path(step: entry.step))
    }
    return candidates
  }

  /// Deletes every checkpoint and pointer in the directory (`attend train --overwrite`).
  public func removeAll() throws {
    for name in try contents() where name.hasSuffix(".ckpt") {
      guard unlink(path + "/" + name) == 0 || errno == ENOENT else {
        throw CheckpointError(
          path: path + "/" + name, problem: .runDirectory("cannot delete: \(String(cString: strerror(errno)))"))
      }
    }
    entries = []
  }

  private func contents() throws -> [String] {
    do {
      return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    } catch {
      throw CheckpointError(path: path, problem: .runDirectory("cannot list the directory: \(error.localizedDescription)"))
    }
  }
}
