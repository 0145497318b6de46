import AttendCheckpoint
import AttendData
import AttendKernels
import Foundation

// Where a run starts from: a fresh directory, or (with `resume`) the run's newest checkpoint,
// restored so exactly that training continues bit for bit as if it had never stopped.

extension Trainer {
  /// Opens the run's checkpoint directory, first thing, before any data is read: a fresh run
  /// refuses a directory that holds checkpoints (they would be overwritten) unless `overwrite`,
  /// which deletes them; a resume needs one to resume from.
  func openRunDirectory() throws {
    let t = config.training
    runDirectory = (t.checkpointDir as NSString).appendingPathComponent(config.logging.runName)
    if resume && !FileManager.default.fileExists(atPath: runDirectory) {
      throw CheckpointError(
        path: runDirectory,
        problem: .runDirectory("holds no checkpoint to resume from; train without --resume to start the run"))
    }
    // Before anything in the directory changes: a second trainer of this run stops here.
    runLock = try RunLock(directory: runDirectory)
    checkpoints = try CheckpointDirectory(path: runDirectory, keepLast: t.keepLast, keepBest: t.keepBest)
    if !overwrite { try recoverRunDirectory() }
    if resume {
      guard !checkpoints.resumeCandidates().isEmpty else {
        throw CheckpointError(
          path: runDirectory,
          problem: .runDirectory("holds no checkpoint to resume from; train without --resume to start the run"))
      }
      return
    }
    guard checkpoints.holdsCheckpoints else { return }
    guard overwrite else {
      let newest = checkpoints.latest.map { " (newest at step \($0.step))" } ?? ""
      throw CheckpointError(
        path: runDirectory,
        problem: .runDirectory(
          "already holds checkpoints of a run named '\(config.logging.runName)'\(newest); continue that run "
            + "with --resume, start it over with --overwrite (deletes them), or choose another --run-name"))
    }
    try checkpoints.removeAll()
    log("removed the checkpoints in \(runDirectory) (--overwrite)")
  }

  /// With `resume`, restores everything from the newest checkpoint that reads without error,
  /// falling back to older step files only when a file is damaged. Needs the data, the model,
  /// the optimizer and a fresh state set up.
  func restoreIfResuming() throws {
    guard resume else { return }
    var damaged: [String] = []
    for candidate in checkpoints.resumeCandidates() {
      do {
        try restore(from: candidate)
        for problem in damaged { log("warning: skipped a damaged checkpoint: \(problem)") }
        return
      } catch let error as CheckpointError where error.problem.isDamagedFile {
        // The bytes are damaged (an older step file may not be): try the next one. Problems with
        // what a readable file says (config, data, kind) would repeat with older files: thrown.
        damaged.append(error.description)
      }
    }
    throw CheckpointError(
      path: runDirectory,
      problem: .runDirectory("no readable checkpoint to resume from:\n  " + damaged.joined(separator: "\n  ")))
  }

  /// Restores parameters, the optimizer, the batcher, the random generator and the training state from
  /// the training checkpoint at `path`, after checking that it belongs to this config and data.
  func restore(from path: String) throws {
    let read = try ModelCheckpoint.read(from: path)
    let header = read.header
    func fail(_ problem: CheckpointError.Problem) -> CheckpointError {
      CheckpointError(path: path, problem: problem)
    }
    guard read.kind == .training, let saved = header.trainingState, let stored = header.optimizer,
      let buffers = read.optimizerBuffers
    else {
      throw fail(
        .notResumable(
          reason: read.version < 2
            ? "it was written in format version \(read.version), which holds no optimizer or training state; "
              + "it can still translate, but a resume needs a checkpoint written by this version"
            : "it is a model checkpoint (parameters only, e.g. written by `attend average`); a resume needs "
              + "a training checkpoint (step-*.ckpt of a run)"))
    }
    let differences = ResumeCheck.configDifferences(checkpoint: header.experiment, current: resolved)
    guard differences.isEmpty else { throw fail(.configMismatch(differences)) }
    guard header.sourceVocabulary == data.sourceVocabulary, header.targetVocabulary == data.targetVocabulary else {
      throw fail(.dataMismatch("the vocabularies built from the data differ from the checkpoint's"))
    }
    let fingerprint = ResumeCheck.dataFingerprint(train: data.train, dev: data.devEncoded)
    if let stored = header.dataFingerprint, stored != fingerprint {
      let parts = ResumeCheck.differingParts(stored, fingerprint).joined(separator: " and ")
      throw fail(.dataMismatch("the \(parts) pairs differ from those the checkpoint was trained on"))
    }
    var fresh = optimizer.checkpointState
    fresh.step = stored.step
    guard stored == fresh, stored.step >= 0 else {
      throw fail(.notResumable(reason: "its optimizer (\(stored)) is not the one this config trains with (\(fresh))"))
    }
    guard saved.randomState.count == 4, saved.step >= 0 else {
      throw fail(.invalidHeader("training_state.random_state must hold 4 words and step must be ≥ 0"))
    }
    guard read.loaded.model.parameters.infos == model.parameters.infos else {
      throw fail(.inconsistentModel("its parameters are laid out differently from the model this config builds"))
    }
    let restoredBatcher: Batcher
    do {
      restoredBatcher = try data.restoreBatcher(batchSize: config.training.batchSize, state: saved.batcher)
    } catch let error as DataError {
      throw fail(.notResumable(reason: "its data position does not fit the data: \(error)"))
    }

    // Everything checked: take it over.
    model.parameters.values.pointer.update(from: read.loaded.model.parameters.values.pointer, count: model.parameters.count)
    optimizer.restore(step: stored.step, buffers: buffers)
    batcher = restoredBatcher
    rng = RandomGenerator(state: saved.randomState)
    state = saved
    lastBLEU = header.devBLEU ?? 0
    resumedFrom = header
    log(
      "resumed from \(path): step \(saved.step), epoch \(saved.batcher.epoch + 1), batch "
        + "\(saved.batcher.position) of \(saved.batcher.batches.count)")
  }

  /// When resuming a run the training log knows (same id and name), marks it running again and
  /// returns its id, so the resumed steps extend it; otherwise nil (a new run is started).
  func continueLoggedRun() throws -> Int64? {
    guard resume, let id = resumedFrom?.runID, let run = try db.run(id: id), run.name == config.logging.runName else {
      return nil
    }
    try db.resumeRun(id: id)
    return id
  }
}
