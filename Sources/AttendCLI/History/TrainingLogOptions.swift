import ArgumentParser
import AttendStorage
import Foundation

/// `--database`, shared by the commands that read the training log (`runs`, `alignments`,
/// `report`). Its default is the config default of `logging.database`.
struct TrainingLogOptions: ParsableArguments {
  @Option(help: "The training log (SQLite) to read; logging.database in the config.")
  var database: String = "runs/attend.sqlite"

  /// Opens the log. A missing file is an error here (opening would create an empty one).
  func open() throws -> TrainingLog {
    guard FileManager.default.fileExists(atPath: database) else {
      throw MissingTrainingLog(path: database)
    }
    return try TrainingLog(path: database)
  }
}

/// `--database` names no file.
struct MissingTrainingLog: Error, CustomStringConvertible, Equatable {
  let path: String

  var description: String {
    "no training log at \(path): train a model first (`attend train --config FILE`, which writes "
      + "logging.database) or pass --database PATH"
  }
}
