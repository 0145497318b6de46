import AttendCheckpoint
import AttendStorage

// The recovery pass at the start of `attend train`: after a kill at any moment, the run
// directory's pointers, its step files and the training log's rows are made to agree before
// training goes on, and each repair is reported (docs/reliability.md).

extension Trainer {
  /// The directory's half, with the run's lock held: stale temporary files (removed when the
  /// directory was opened) and `latest.ckpt`/`best.ckpt` (CheckpointDirectory.repairPointers).
  func recoverRunDirectory() throws {
    for line in try checkpoints.repairPointers() { log("recovery: \(runDirectory): " + line) }
  }

  /// The training log's half, for a resumed run the log knows (`runID`): a row for every step
  /// file of this run, one per step, `is_best` where `best.ckpt` points
  /// (TrainingLog.reconcileCheckpoints). Step files written under another run id (another
  /// database) are not this log's to record.
  func reconcileLoggedCheckpoints() throws {
    var files: [CheckpointFileRecord] = []
    for entry in checkpoints.entries {
      let path = checkpoints.path(step: entry.step)
      guard let header = try? ModelCheckpoint.readTrainingHeader(from: path).header, header.runID == runID else {
        continue
      }
      files.append(CheckpointFileRecord(step: entry.step, path: path, bleu: header.devBLEU))
    }
    let bestStep = checkpoints.best?.step
    for line in try db.reconcileCheckpoints(runID: runID, files: files, bestStep: bestStep) {
      log("recovery: training log \(config.logging.database): " + line)
    }
  }
}
