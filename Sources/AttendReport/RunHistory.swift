import AttendStorage

/// Everything the training log holds about one run, read at once: what `attend report` draws.
public struct RunHistory: Sendable {
  public var run: RunSummary
  public var steps: [StepRecord]
  public var evaluations: [EvaluationRecord]
  public var probes: [ProbeRecord]
  /// Every logged attention matrix, by step then probe.
  public var alignments: [AlignmentRecord]
  public var checkpoints: [CheckpointRecord]

  public init(
    run: RunSummary, steps: [StepRecord], evaluations: [EvaluationRecord], probes: [ProbeRecord],
    alignments: [AlignmentRecord], checkpoints: [CheckpointRecord]
  ) {
    self.run = run
    self.steps = steps
    self.evaluations = evaluations
    self.probes = probes
    self.alignments = alignments
    self.checkpoints = checkpoints
  }

  /// Reads the run from the log, in one read transaction so a run being trained is seen at one
  /// instant (WAL: this never blocks the trainer).
  public init(log: TrainingLog, run: RunSummary) throws {
    try log.flush()
    let database = log.database
    try database.execute("BEGIN")
    defer { try? database.execute("COMMIT") }
    self.init(
      run: run, steps: try log.steps(runID: run.id), evaluations: try log.evaluations(runID: run.id),
      probes: try log.probes(runID: run.id), alignments: try log.alignments(runID: run.id),
      checkpoints: try log.checkpoints(runID: run.id))
  }
}

extension TrainingLog {
  /// The run a user means by `reference`: the latest run with that name, else the run with that
  /// id when `reference` is a number. Throws `ReportError.unknownRun` listing the names present.
  public func findRun(_ reference: String) throws -> RunSummary {
    if let run = try latestRun(named: reference) { return run }
    if let id = Int64(reference), let run = try run(id: id) { return run }
    var names: [String] = []
    for run in try runs() where !names.contains(run.name) { names.append(run.name) }
    throw ReportError.unknownRun(reference: reference, database: path, available: names)
  }

  /// The attention matrix `attend alignments` shows: `probe` (default 0) at `step` (default the
  /// latest step that has one), with errors that list the valid probes and steps.
  public func findAlignment(run: RunSummary, probe: Int?, step: Int?) throws -> AlignmentRecord {
    let steps = try alignmentSteps(runID: run.id)
    guard let lastStep = steps.last else { throw ReportError.noAlignments(run: run.name) }
    let probeCount = try probes(runID: run.id).count
    let probe = probe ?? 0
    guard probe >= 0, probe < probeCount else {
      throw ReportError.unknownProbe(run: run.name, probe: probe, probeCount: probeCount)
    }
    let step = step ?? lastStep
    guard let record = try alignment(runID: run.id, step: step, probe: probe) else {
      throw ReportError.unknownStep(run: run.name, step: step, steps: steps)
    }
    return record
  }
}
