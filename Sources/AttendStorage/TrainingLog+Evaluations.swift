import Foundation

// Writing what an evaluation produces: its metrics, the probe sentences, their attention, and the
// checkpoints written after it. Each write is its own transaction, straight to disk.
extension TrainingLog {
  /// Records a dev-set evaluation, after writing pending steps (same transaction). chrF (0...100)
  /// and AER (0...1) are optional: nil stores NULL (not measured, e.g. no gold alignments).
  public func logEvaluation(
    runID: Int64, step: Int, devLoss: Double, bleu: Double, bleuSignature: String,
    elapsedSeconds: Double, chrF: Double? = nil, aer: Double? = nil, chrFSignature: String? = nil
  ) throws {
    try database.transaction {
      try writePendingSteps()
      try statement(
        """
        INSERT OR REPLACE INTO evaluations (run_id, step, dev_loss, bleu, bleu_signature,
                                            elapsed_seconds, chrf, chrf_signature, aer)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).execute([
        .integer(runID), SQLiteValue(step), .real(devLoss), .real(bleu), .text(bleuSignature),
        .real(elapsedSeconds), SQLiteValue(chrF), SQLiteValue(chrFSignature), SQLiteValue(aer),
      ])
    }
  }

  /// Records the probe sentences (index = position in `probes`); tokens are stored space-joined.
  public func logProbes(runID: Int64, probes: [(source: [String], reference: [String])]) throws {
    try database.transaction {
      let upsert = try statement(
        """
        INSERT INTO probes (run_id, probe, source, reference) VALUES (?, ?, ?, ?)
        ON CONFLICT (run_id, probe) DO UPDATE
        SET source = excluded.source, reference = excluded.reference
        """)
      for (index, probe) in probes.enumerated() {
        try upsert.execute([
          .integer(runID), SQLiteValue(index),
          .text(probe.source.joined(separator: " ")),
          .text(probe.reference.joined(separator: " ")),
        ])
      }
    }
  }

  /// Records one probe's attention at `step`, replacing any earlier record of the same
  /// (run, step, probe), in one transaction. `targetTokens` are the tokens the model produced,
  /// `weights` is row-major [targetTokens.count × sourceTokens.count]. The probe must have been
  /// logged with `logProbes`.
  public func logAlignment(
    runID: Int64, step: Int, probe: Int, sourceTokens: [String], targetTokens: [String],
    weights: [Float]
  ) throws {
    let sourceCount = sourceTokens.count
    guard weights.count == targetTokens.count * sourceCount else {
      throw TrainingLogError.alignmentShape(
        targetCount: targetTokens.count, sourceCount: sourceCount, weightCount: weights.count)
    }
    try database.transaction {
      try statement("DELETE FROM alignments WHERE run_id = ? AND step = ? AND probe = ?")
        .execute([.integer(runID), SQLiteValue(step), SQLiteValue(probe)])
      let insert = try statement(
        """
        INSERT INTO alignments (run_id, step, probe, target_position, source_position,
                                target_token, source_token, weight)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
      for (t, targetToken) in targetTokens.enumerated() {
        for (s, sourceToken) in sourceTokens.enumerated() {
          try insert.execute([
            .integer(runID), SQLiteValue(step), SQLiteValue(probe), SQLiteValue(t), SQLiteValue(s),
            .text(targetToken), .text(sourceToken), .real(Double(weights[t * sourceCount + s])),
          ])
        }
      }
    }
  }

  /// Records a checkpoint file. With `isBest`, earlier checkpoints of the run lose the flag.
  public func logCheckpoint(runID: Int64, step: Int, path: String, bleu: Double?, isBest: Bool)
    throws
  {
    try database.transaction {
      // One row per step: a resumed run that rewrites its last checkpoint replaces the row.
      try statement("DELETE FROM checkpoints WHERE run_id = ? AND step = ?").execute([.integer(runID), SQLiteValue(step)])
      if isBest {
        try statement("UPDATE checkpoints SET is_best = 0 WHERE run_id = ? AND is_best = 1")
          .execute([.integer(runID)])
      }
      try statement(
        """
        INSERT INTO checkpoints (run_id, step, path, bleu, is_best, created_at)
        VALUES (?, ?, ?, ?, ?, \(Self.nowSQL))
        """
      ).execute([
        .integer(runID), SQLiteValue(step), .text(path), SQLiteValue(bleu),
        .integer(isBest ? 1 : 0),
      ])
    }
  }
}
