import CSQLite
import Foundation

/// The training database: runs, their step losses, evaluations, checkpoints and attention probes,
/// in one SQLite file (schema: `TrainingLogSchema`) that `sqlite3` and `attend runs` can read while
/// training writes to it.
///
/// Step rows are buffered and written in one transaction once `stepBatchSize` are pending or the
/// oldest has waited `flushInterval` seconds (checked when the next row arrives), so a reader
/// following a slow run is not left far behind; every other write goes straight to disk, each in
/// one transaction. Call `flush()` (or `finishRun`, which flushes) before reading a run's steps
/// from another connection. One `TrainingLog` belongs to one thread at a time.
public final class TrainingLog {
  public let path: String
  /// The connection, for queries the helpers below do not cover.
  public let database: SQLiteDatabase
  /// Buffered step rows are written once this many are pending.
  public let stepBatchSize: Int
  /// ... or once the oldest pending row is this many seconds old.
  public let flushInterval: Double
  private var oldestPendingTime = 0.0

  private var pendingSteps: [StepRecord] = []
  private var statements: [String: SQLiteStatement] = [:]

  /// `strftime` pattern for ISO-8601 UTC with milliseconds, e.g. `2025-01-31T12:00:00.000Z`.
  static let nowSQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

  /// Opens the log at `path`, creating the file, its parent directories and the schema when
  /// missing, then marks runs whose process has died as interrupted.
  public init(path: String, stepBatchSize: Int = 100, flushInterval: Double = 10) throws {
    precondition(stepBatchSize > 0, "stepBatchSize must be positive")
    self.path = path
    self.stepBatchSize = stepBatchSize
    self.flushInterval = flushInterval
    try Self.createParentDirectory(of: path)
    do {
      database = try SQLiteDatabase(path: path)
    } catch let error as SQLiteError where error.primaryCode == SQLITE_NOTADB {
      throw TrainingLogError.notATrainingLog(path: path, reason: "not a SQLite database")
    }
    try migrate()
    try markInterruptedRuns()
  }

  deinit {
    // Best effort: a caller that cares about errors calls flush() or finishRun itself.
    try? flush()
  }

  // MARK: Schema

  private static func createParentDirectory(of path: String) throws {
    guard path != ":memory:", let slash = path.lastIndex(of: "/") else { return }
    let directory = String(path[..<slash])
    guard !directory.isEmpty else { return }
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
  }

  private func migrate() throws {
    let found = try database.userVersion
    if found > TrainingLogSchema.version {
      throw TrainingLogError.newerSchema(
        path: path, found: found, supported: TrainingLogSchema.version)
    }
    guard found < TrainingLogSchema.version else { return }
    try database.transaction {
      // Re-read under the write lock: another process may have created or upgraded the schema
      // meanwhile.
      var current = try database.userVersion
      if current == 0 {
        let tables =
          try database.scalarInt(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          ?? 0
        guard tables == 0 else {
          throw TrainingLogError.notATrainingLog(
            path: path, reason: "user_version is 0 but the database already has \(tables) tables")
        }
        try database.execute(TrainingLogSchema.createVersion1)
        current = 1
      }
      // One transaction for every step: a failure (or a kill) leaves the old version intact.
      let from = current
      while current < TrainingLogSchema.version {
        do {
          try database.execute(TrainingLogSchema.upgrades[current - 1])
        } catch let error as SQLiteError {
          throw TrainingLogError.upgradeFailed(
            path: path, from: from, to: current + 1, reason: error.message)
        }
        current += 1
      }
      try database.setUserVersion(current)
    }
  }

  // MARK: Runs

  /// Records a new run as 'running', owned by this process, and returns its id.
  public func startRun(
    name: String, configJSON: String, seed: Int64, sourceVocabularySize: Int,
    targetVocabularySize: Int, trainPairs: Int, blas: String, devPairs: Int? = nil, cpu: String? = nil
  ) throws -> Int64 {
    try statement(
      """
      INSERT INTO runs (name, config, seed, source_vocab_size, target_vocab_size, train_pairs,
                        dev_pairs, blas, cpu, started_at, status, pid, host)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, \(Self.nowSQL), 'running', ?, ?)
      """
    ).execute([
      .text(name), .text(configJSON), .integer(seed), SQLiteValue(sourceVocabularySize),
      SQLiteValue(targetVocabularySize), SQLiteValue(trainPairs), SQLiteValue(devPairs), .text(blas),
      cpu.map(SQLiteValue.text) ?? .null, .integer(Int64(ProcessIdentity.currentPID)), .text(ProcessIdentity.hostName),
    ])
    return database.lastInsertRowID
  }

  /// Continues an earlier run (`attend train --resume`): sets it back to 'running', owned by this
  /// process, clears its end time and counts the resume. A run still owned by a live process is
  /// refused, so two trainers never write the same run. Returns the run as it was before (its
  /// status tells whether it had been interrupted, had failed or had completed).
  @discardableResult
  public func resumeRun(id: Int64) throws -> RunSummary {
    try flush()
    return try database.transaction {
      // An orphaned 'running' run becomes 'interrupted' first, so the caller sees what happened.
      try markInterruptedRuns()
      guard let before = try run(id: id) else { throw TrainingLogError.unknownRun(id: id) }
      if before.status == .running {
        throw TrainingLogError.runInProgress(id: id, name: before.name)
      }
      try database.run(
        """
        UPDATE runs
        SET status = 'running', ended_at = NULL, resume_count = resume_count + 1, pid = ?, host = ?
        WHERE id = ?
        """,
        [.integer(Int64(ProcessIdentity.currentPID)), .text(ProcessIdentity.hostName), .integer(id)])
      return before
    }
  }

  /// Marks 'running' runs whose owning process is gone (crashed, killed) as 'interrupted', with
  /// `final_step` set to their last logged step. Runs of live processes, and runs started on
  /// another host (whose processes cannot be checked), are left alone. Called by `init`.
  /// Returns the ids marked.
  @discardableResult
  public func markInterruptedRuns() throws -> [Int64] {
    let running = try database.query("SELECT id, pid, host FROM runs WHERE status = 'running'")
    let orphans = running.compactMap { row -> Int64? in
      guard let id = row[0].integerValue else { return nil }
      let pid = row[1].integerValue
      let host = row[2].textValue
      if let host, host != ProcessIdentity.hostName { return nil }
      if let pid, host != nil, ProcessIdentity.isAlive(pid) { return nil }
      return id
    }
    guard !orphans.isEmpty else { return [] }
    try database.transaction {
      for id in orphans {
        try database.run(
          """
          UPDATE runs
          SET status = 'interrupted',
              final_step = coalesce(final_step, (SELECT max(step) FROM steps WHERE run_id = ?1))
          WHERE id = ?1 AND status = 'running'
          """, [.integer(id)])
      }
    }
    return orphans
  }

  /// Closes a run: writes pending steps, then its status, end time and final step, and its final
  /// metrics taken from its logged evaluations (best BLEU and its step, best chrF, the last
  /// evaluation's dev loss and BLEU). `bestBLEU` is used when the run logged no evaluation.
  public func finishRun(runID: Int64, status: RunStatus, finalStep: Int, bestBLEU: Double?) throws {
    try flush()
    try database.run(
      """
      UPDATE runs
      SET status = ?1, ended_at = \(Self.nowSQL), final_step = ?2,
          best_bleu = coalesce((SELECT bleu FROM best_evaluations WHERE run_id = ?4), ?3),
          best_step = (SELECT step FROM best_evaluations WHERE run_id = ?4),
          best_chrf = (SELECT max(chrf) FROM evaluations WHERE run_id = ?4),
          final_dev_loss = (SELECT dev_loss FROM evaluations WHERE run_id = ?4
                            ORDER BY step DESC LIMIT 1),
          final_bleu = (SELECT bleu FROM evaluations WHERE run_id = ?4 ORDER BY step DESC LIMIT 1)
      WHERE id = ?4
      """, [.text(status.rawValue), SQLiteValue(finalStep), SQLiteValue(bestBLEU), .integer(runID)])
    guard database.changes == 1 else { throw TrainingLogError.unknownRun(id: runID) }
  }

  // MARK: Steps

  /// Buffers one step row; the buffer is written in one transaction once `stepBatchSize` rows
  /// are pending or the oldest is `flushInterval` seconds old. Throws only when that write fails
  /// (the batch is then dropped).
  public func logStep(_ record: StepRecord) throws {
    let now = Self.monotonicSeconds()
    if pendingSteps.isEmpty { oldestPendingTime = now }
    pendingSteps.append(record)
    if pendingSteps.count >= stepBatchSize || now - oldestPendingTime >= flushInterval { try flush() }
  }

  static func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

  /// Number of step rows buffered and not yet written.
  public var pendingStepCount: Int { pendingSteps.count }

  /// Writes buffered step rows in one transaction. On failure they are dropped, not retried.
  public func flush() throws {
    guard !pendingSteps.isEmpty else { return }
    try database.transaction { try writePendingSteps() }
  }

  /// Inside a transaction: writes and clears the buffer.
  private func writePendingSteps() throws {
    let rows = pendingSteps
    pendingSteps.removeAll(keepingCapacity: true)
    let insert = try statement(
      """
      INSERT OR REPLACE INTO steps (run_id, step, epoch, loss, perplexity, learning_rate,
                                    grad_norm, tokens_per_second, elapsed_seconds)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
    for r in rows {
      try insert.execute([
        .integer(r.runID), SQLiteValue(r.step), SQLiteValue(r.epoch), .real(r.loss),
        .real(r.perplexity), .real(r.learningRate), .real(r.gradNorm), .real(r.tokensPerSecond),
        .real(r.elapsedSeconds),
      ])
    }
  }

  // MARK: Evaluations, probes, alignments, checkpoints

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

  // MARK: Reading

  private static let summarySQL = """
    SELECT r.id, r.name, r.config, r.seed, r.source_vocab_size, r.target_vocab_size,
           r.train_pairs, r.blas, r.started_at, r.ended_at, r.status, r.final_step,
           coalesce(b.bleu, r.best_bleu), b.step, last.step, last.loss,
           r.dev_pairs, r.resume_count,
           (SELECT max(chrf) FROM evaluations WHERE run_id = r.id),
           (SELECT min(aer) FROM evaluations WHERE run_id = r.id),
           (SELECT dev_loss FROM evaluations WHERE run_id = r.id ORDER BY step DESC LIMIT 1),
           (SELECT count(*) FROM evaluations WHERE run_id = r.id),
           r.cpu
    FROM runs AS r
    LEFT JOIN best_evaluations AS b ON b.run_id = r.id
    LEFT JOIN steps AS last
      ON last.run_id = r.id AND last.step = (SELECT max(step) FROM steps WHERE run_id = r.id)
    """

  /// Every run, oldest first.
  public func runs() throws -> [RunSummary] {
    try database.query(Self.summarySQL + " ORDER BY r.id").map(summary)
  }

  /// The run with this id.
  public func run(id: Int64) throws -> RunSummary? {
    try database.query(Self.summarySQL + " WHERE r.id = ?", [.integer(id)]).first.map(summary)
  }

  /// The most recently started run called `name`.
  public func latestRun(named name: String) throws -> RunSummary? {
    try database.query(
      Self.summarySQL + " WHERE r.name = ? ORDER BY r.id DESC LIMIT 1", [.text(name)]
    ).first.map(summary)
  }

  private func summary(_ row: [SQLiteValue]) throws -> RunSummary {
    guard let status = row[10].textValue.flatMap(RunStatus.init(rawValue:)) else {
      throw TrainingLogError.notATrainingLog(path: path, reason: "unknown run status \(row[10])")
    }
    return RunSummary(
      id: row[0].integerValue ?? 0, name: row[1].textValue ?? "", configJSON: row[2].textValue ?? "",
      seed: row[3].integerValue, sourceVocabularySize: row[4].integerValue.map(Int.init),
      targetVocabularySize: row[5].integerValue.map(Int.init),
      trainPairs: row[6].integerValue.map(Int.init), blas: row[7].textValue,
      startedAt: row[8].textValue ?? "", endedAt: row[9].textValue, status: status,
      finalStep: row[11].integerValue.map(Int.init), bestBLEU: row[12].realValue,
      bestBLEUStep: row[13].integerValue.map(Int.init), lastStep: row[14].integerValue.map(Int.init),
      lastLoss: row[15].realValue, devPairs: row[16].integerValue.map(Int.init),
      resumeCount: Int(row[17].integerValue ?? 0), bestChrF: row[18].realValue,
      bestAER: row[19].realValue, lastDevLoss: row[20].realValue,
      evaluationCount: Int(row[21].integerValue ?? 0), cpu: row[22].textValue)
  }

  /// A run's written step rows (not the buffered ones), by step. NULL metrics read as NaN.
  public func steps(runID: Int64) throws -> [StepRecord] {
    try database.query(
      """
      SELECT step, epoch, loss, perplexity, learning_rate, grad_norm, tokens_per_second,
             elapsed_seconds
      FROM steps WHERE run_id = ? ORDER BY step
      """, [.integer(runID)]
    ).map { row in
      StepRecord(
        runID: runID, step: Int(row[0].integerValue ?? 0), epoch: Int(row[1].integerValue ?? 0),
        loss: row[2].realValue ?? .nan, perplexity: row[3].realValue ?? .nan,
        learningRate: row[4].realValue ?? .nan, gradNorm: row[5].realValue ?? .nan,
        tokensPerSecond: row[6].realValue ?? .nan, elapsedSeconds: row[7].realValue ?? .nan)
    }
  }

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

  private static func tokens(_ text: String?) -> [String] {
    (text ?? "").split(separator: " ").map(String.init)
  }

  // MARK: Statement cache

  private func statement(_ sql: String) throws -> SQLiteStatement {
    if let cached = statements[sql] { return cached }
    let prepared = try database.prepare(sql)
    statements[sql] = prepared
    return prepared
  }
}

/// Who owns a 'running' run: this process's id and host name, and a liveness check.
enum ProcessIdentity {
  static let currentPID: Int32 = getpid()

  static let hostName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(cString: buffer)
  }()

  /// True when a process with this id exists on this host (signal 0 probes without signalling).
  static func isAlive(_ pid: Int64) -> Bool {
    guard pid > 0, let id = Int32(exactly: pid) else { return false }
    if id == currentPID { return true }
    return kill(id, 0) == 0 || errno == EPERM
  }
}
