/// Problems with a training-log file or with what is written to it.
public enum TrainingLogError: Error, CustomStringConvertible, Equatable {
  /// The file was written by a newer Attend.
  case newerSchema(path: String, found: Int, supported: Int)
  /// Upgrading an older schema failed (and was rolled back: the file is as it was).
  case upgradeFailed(path: String, from: Int, to: Int, reason: String)
  /// The file is a SQLite database, but not one of ours.
  case notATrainingLog(path: String, reason: String)
  /// No run with this id.
  case unknownRun(id: Int64)
  /// `resumeRun` on a run that a live process is still training.
  case runInProgress(id: Int64, name: String)
  /// `logAlignment` got a weight matrix that does not match its token lists.
  case alignmentShape(targetCount: Int, sourceCount: Int, weightCount: Int)

  public var description: String {
    switch self {
    case .newerSchema(let path, let found, let supported):
      return "\(path): training log schema version \(found) is newer than this build supports "
        + "(\(supported)); use a newer attend, or log to another file"
    case .upgradeFailed(let path, let from, let to, let reason):
      return "\(path): cannot upgrade the training log from schema version \(from) to \(to) "
        + "(\(reason)); the file is unchanged. Rename or drop the conflicting object, or log to "
        + "another file"
    case .notATrainingLog(let path, let reason):
      return "\(path): not an Attend training log (\(reason))"
    case .unknownRun(let id):
      return "no run with id \(id) in the training log"
    case .runInProgress(let id, let name):
      return "run \(id) ('\(name)') is still being trained by a live process; stop it before "
        + "resuming, or start a new run"
    case .alignmentShape(let targetCount, let sourceCount, let weightCount):
      return "alignment weights must be [target × source] = \(targetCount) × \(sourceCount) = "
        + "\(targetCount * sourceCount) values, got \(weightCount)"
    }
  }
}
