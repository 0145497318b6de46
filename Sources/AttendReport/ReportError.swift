/// What `attend runs`, `attend alignments` and `attend report` tell the user when the log does
/// not hold what they asked for. Each message names what exists, so the next try can succeed.
public enum ReportError: Error, CustomStringConvertible, Equatable {
  /// No run with this name (or id); `available` lists the names in the log.
  case unknownRun(reference: String, database: String, available: [String])
  /// The run logged no alignments (it stopped before its first evaluation, or logs no probes).
  case noAlignments(run: String)
  /// The run has no probe with this index.
  case unknownProbe(run: String, probe: Int, probeCount: Int)
  /// No alignment was logged at this step; `steps` are the steps that have one.
  case unknownStep(run: String, step: Int, steps: [Int])
  /// An output file name whose extension says no known format.
  case unknownImageFormat(path: String)

  public var description: String {
    switch self {
    case .unknownRun(let reference, let database, let available):
      let names = available.isEmpty ? "it has no runs yet" : "runs: " + available.joined(separator: ", ")
      return "no run named '\(reference)' in \(database) (\(names)); "
        + "`attend runs --database \(database)` lists them"
    case .noAlignments(let run):
      return "run '\(run)' has no logged alignments: it logs them at each evaluation "
        + "(training.eval_every) for logging.probes dev sentences"
    case .unknownProbe(let run, let probe, let probeCount):
      return "run '\(run)' has no probe \(probe): its probes are 0...\(max(probeCount - 1, 0))"
    case .unknownStep(let run, let step, let steps):
      return "run '\(run)' logged no alignment at step \(step); steps with alignments: "
        + Self.summarise(steps)
    case .unknownImageFormat(let path):
      return "\(path): unknown image format; the file name must end in .svg or .png"
    }
  }

  /// The first and last few values of a long list.
  static func summarise(_ steps: [Int]) -> String {
    guard steps.count > 12 else { return steps.map(String.init).joined(separator: ", ") }
    return (steps.prefix(6).map(String.init) + ["…"] + steps.suffix(6).map(String.init))
      .joined(separator: ", ")
  }
}
