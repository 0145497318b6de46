/// A step file in a run's checkpoint directory, as the training log's `checkpoints` table should
/// record it.
public struct CheckpointFileRecord: Equatable, Sendable {
  public var step: Int
  public var path: String
  /// The dev BLEU of the evaluation it was written after (its header's `dev_bleu`).
  public var bleu: Double?

  public init(step: Int, path: String, bleu: Double?) {
    self.step = step
    self.path = path
    self.bleu = bleu
  }
}

extension TrainingLog {
  /// Makes a run's `checkpoints` rows agree with its checkpoint directory after a kill (the
  /// recovery pass at the start of `attend train --resume`), in one transaction: one row per
  /// step (older duplicates deleted), a row for every step file present (a kill between a file's
  /// rename and its row leaves none), and `is_best` on the row of `bestStep` (where `best.ckpt`
  /// points) alone. Rows of step files since deleted by retention stay: the table is the history
  /// of checkpoints written. Returns one line per kind of change; none when all agreed.
  public func reconcileCheckpoints(runID: Int64, files: [CheckpointFileRecord], bestStep: Int?) throws -> [String] {
    try database.transaction {
      var report: [String] = []
      let id = SQLiteValue.integer(runID)
      try database.run(
        """
        DELETE FROM checkpoints WHERE run_id = ?1
          AND id NOT IN (SELECT max(id) FROM checkpoints WHERE run_id = ?1 GROUP BY step)
        """, [id])
      if database.changes > 0 { report.append("deleted \(database.changes) duplicate checkpoint row(s) of run \(runID)") }
      let logged = Set(
        try database.query("SELECT step FROM checkpoints WHERE run_id = ?", [id]).compactMap { $0[0].integerValue })
      for file in files where !logged.contains(Int64(file.step)) {
        try database.run(
          """
          INSERT INTO checkpoints (run_id, step, path, bleu, is_best, created_at)
          VALUES (?, ?, ?, ?, 0, \(Self.nowSQL))
          """, [id, SQLiteValue(file.step), .text(file.path), SQLiteValue(file.bleu)])
        report.append("logged the checkpoint of step \(file.step) (\(file.path)), written but not logged before a kill")
      }
      if let bestStep {
        try database.run(
          "UPDATE checkpoints SET is_best = (step = ?2) WHERE run_id = ?1 AND is_best != (step = ?2)",
          [id, SQLiteValue(bestStep)])
        if database.changes > 0 { report.append("marked the checkpoint of step \(bestStep) as the run's best, as best.ckpt says") }
      }
      return report
    }
  }
}
