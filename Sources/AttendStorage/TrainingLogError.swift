/// Problems with a training-log file or with what is written to it.
public enum TrainingLogError: Error, CustomStringConvertible, Equatable {
  /// The file was written by a newer Attend.
  case newerSchema(path: String, found: Int, supported: Int)
  /// The file is a SQLite database, but not one of ours.
  case notATrainingLog(path: String, reason: String)
  /// No run with this id.
  case unknownRun(id: Int64)
  /// `logAlignment` got a weight matrix that does not match its token lists.
  case alignmentShape(targetCount: Int, sourceCount: Int, weightCount: Int)

  public var description: String {
    switch self {
    case .newerSchema(let path, let found, let supported):
      return "\(path): training log schema version \(found) is newer than this build supports "
        + "(\(supported)); use a newer attend, or log to another file"
    case .notATrainingLog(let path, let reason):
      return "\(path): not an Attend training log (\(reason))"
    case .unknownRun(let id):
      return "no run with id \(id) in the training log"
    case .alignmentShape(let targetCount, let sourceCount, let weightCount):
      return "alignment weights must be [target × source] = \(targetCount) × \(sourceCount) = "
        + "\(targetCount * sourceCount) values, got \(weightCount)"
    }
  }
}
