import Foundation

// Reading a run's history back: evaluations, checkpoints, probes and their alignments (the run
// summaries and steps are in TrainingLog.swift).
extension TrainingLog {
  /// A run's evaluations, by step.
  public func evaluations(runID: Int64) throws -> [EvaluationRecord] {
    try database.query(
      """
      SELECT step, dev_loss, bleu, bleu_signature, elapsed_seconds, chrf, chrf_signature, aer
      FROM evaluations WHERE run_id = ? ORDER BY step
      """, [.integer(runID)]
    ).map { row in
      EvaluationRecord(
        runID: runID, step: Int(row[0].integerValue ?? 0), devLoss: row[1].realValue,
        bleu: row[2].realValue, bleuSignature: row[3].textValue, elapsedSeconds: row[4].realValue,
        chrF: row[5].realValue, chrFSignature: row[6].textValue, aer: row[7].realValue)
    }
  }

  /// A run's checkpoints, in the order they were logged.
  public func checkpoints(runID: Int64) throws -> [CheckpointRecord] {
    try checkpoints(where: "run_id = ?", [.integer(runID)])
  }

  /// The run's current best checkpoint.
  public func bestCheckpoint(runID: Int64) throws -> CheckpointRecord? {
    try checkpoints(where: "run_id = ? AND is_best = 1", [.integer(runID)]).last
  }

  private func checkpoints(where condition: String, _ arguments: [SQLiteValue]) throws
    -> [CheckpointRecord]
  {
    try database.query(
      "SELECT run_id, step, path, bleu, is_best, created_at FROM checkpoints WHERE \(condition) "
        + "ORDER BY id", arguments
    ).map { row in
      CheckpointRecord(
        runID: row[0].integerValue ?? 0, step: Int(row[1].integerValue ?? 0),
        path: row[2].textValue ?? "", bleu: row[3].realValue, isBest: row[4].integerValue == 1,
        createdAt: row[5].textValue ?? "")
    }
  }

  /// For each target position of a probe's alignment at `step`: the source position with the
  /// highest weight (from the `alignment_argmax` view).
  public func alignmentArgmax(runID: Int64, step: Int, probe: Int) throws -> [Int] {
    try database.query(
      """
      SELECT source_position FROM alignment_argmax
      WHERE run_id = ? AND step = ? AND probe = ? ORDER BY target_position
      """, [.integer(runID), SQLiteValue(step), SQLiteValue(probe)]
    ).map { Int($0[0].integerValue ?? -1) }
  }

  /// A run's probe sentences, by index.
  public func probes(runID: Int64) throws -> [ProbeRecord] {
    try database.query(
      "SELECT probe, source, reference FROM probes WHERE run_id = ? ORDER BY probe",
      [.integer(runID)]
    ).map { row in
      ProbeRecord(
        runID: runID, probe: Int(row[0].integerValue ?? 0),
        source: Self.tokens(row[1].textValue), reference: Self.tokens(row[2].textValue))
    }
  }

  /// Steps at which a run logged alignments, ascending.
  public func alignmentSteps(runID: Int64) throws -> [Int] {
    try database.query(
      "SELECT DISTINCT step FROM alignments WHERE run_id = ? ORDER BY step", [.integer(runID)]
    ).map { Int($0[0].integerValue ?? 0) }
  }

  /// One probe's attention matrix at `step`; nil when none was logged.
  public func alignment(runID: Int64, step: Int, probe: Int) throws -> AlignmentRecord? {
    try alignments(
      where: "run_id = ? AND step = ? AND probe = ?",
      [.integer(runID), SQLiteValue(step), SQLiteValue(probe)]
    ).first
  }

  /// Every attention matrix a run logged, by step then probe.
  public func alignments(runID: Int64) throws -> [AlignmentRecord] {
    try alignments(where: "run_id = ?", [.integer(runID)])
  }

  /// Groups `alignments` rows (ordered by step, probe, target, source) into matrices.
  private func alignments(where condition: String, _ arguments: [SQLiteValue]) throws
    -> [AlignmentRecord]
  {
    let statement = try database.prepare(
      """
      SELECT run_id, step, probe, target_position, source_position, target_token, source_token,
             weight
      FROM alignments WHERE \(condition)
      ORDER BY run_id, step, probe, target_position, source_position
      """)
    try statement.bind(arguments)
    defer { statement.reset() }
    var records: [AlignmentRecord] = []
    var key: (run: Int64, step: Int, probe: Int)?
    var sourceTokens: [String] = [], targetTokens: [String] = [], weights: [Double] = []
    func emit() throws {
      guard let key else { return }
      guard weights.count == sourceTokens.count * targetTokens.count else {
        throw TrainingLogError.notATrainingLog(
          path: path,
          reason: "alignment of run \(key.run), step \(key.step), probe \(key.probe) is not a "
            + "full target × source grid")
      }
      records.append(
        AlignmentRecord(
          runID: key.run, step: key.step, probe: key.probe, sourceTokens: sourceTokens,
          targetTokens: targetTokens, weights: weights))
    }
    while try statement.step() {
      let run = statement.int64(0), step = statement.int(1), probe = statement.int(2)
      if key == nil || key! != (run, step, probe) {
        try emit()
        key = (run, step, probe)
        sourceTokens = []
        targetTokens = []
        weights = []
      }
      let t = statement.int(3), s = statement.int(4)
      if s == 0 { targetTokens.append(statement.text(5) ?? "") }
      if t == 0 { sourceTokens.append(statement.text(6) ?? "") }
      weights.append(statement.isNull(7) ? .nan : statement.double(7))
    }
    try emit()
    return records
  }

  static func tokens(_ text: String?) -> [String] {
    (text ?? "").split(separator: " ").map(String.init)
  }
}
