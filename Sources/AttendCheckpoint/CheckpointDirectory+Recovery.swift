import Foundation

// The file half of the recovery pass at the start of `attend train` (the training log's half is
// AttendTraining's RunRecovery): a kill between a step file's rename and the pointers' move leaves
// `latest.ckpt`/`best.ckpt` missing or behind; the next start puts them where `record` would have.

extension CheckpointDirectory {
  /// Makes `latest.ckpt` point at the newest step file and `best.ckpt` at the best (`latest`,
  /// `best`), removing a pointer left dangling with no step file to point at. A plain-file
  /// `latest.ckpt` (format version 1 directories) is left alone. Returns one line per change,
  /// the temporary files removed on opening included; none when all agreed.
  public func repairPointers() throws -> [String] {
    var report = removedTemporaryFiles.map { "removed \($0), the temporary file of a killed checkpoint writer" }
    for (pointer, entry) in [(latestPath, latest), (bestPath, best)] {
      if let line = try repair(pointer, toward: entry) { report.append(line) }
    }
    return report
  }

  /// Points `pointer` at `entry`'s file if it does not already; nil when nothing changed.
  private func repair(_ pointer: String, toward entry: Entry?) throws -> String? {
    let name = (pointer as NSString).lastPathComponent
    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: pointer)
    if target == nil && FileManager.default.fileExists(atPath: pointer) { return nil }  // a plain file
    guard let entry else {
      guard let target else { return nil }
      unlink(pointer)
      return "removed \(name), which pointed to \(target) although no step file remains"
    }
    if target == entry.fileName { return nil }
    try AtomicFile.replaceSymbolicLink(at: pointer, pointingTo: entry.fileName)
    return target.map { "\(name) pointed to \($0); now to \(entry.fileName)" }
      ?? "\(name) was missing; now points to \(entry.fileName)"
  }
}
