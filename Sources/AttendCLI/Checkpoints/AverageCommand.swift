import ArgumentParser
import AttendCheckpoint
import AttendTraining

/// `attend average`: parameter averaging of checkpoints of one model.
struct AverageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "average",
    abstract: "Average the parameters of checkpoints of the same model into a new model checkpoint.",
    discussion: """
      Typically the last few step checkpoints of a run (raise training.keep_last to keep them),
      which often translates better than any one of them. The checkpoints must share the model
      configuration and vocabularies. The output is a model checkpoint: it translates and exports,
      but holds no optimizer state, so training cannot resume from it.
      """)

  @Option(help: "Output checkpoint file; replaced atomically if it exists.")
  var out: String

  @Argument(help: "Checkpoints to average (at least two).")
  var checkpoints: [String]

  func validate() throws {
    guard checkpoints.count >= 2 else {
      throw ValidationError("give at least two checkpoints to average (got \(checkpoints.count))")
    }
  }

  func run() throws {
    try reportingErrors {
      let (model, header) = try ModelCheckpoint.average(checkpoints)
      try ModelCheckpoint.save(model, header: header, to: out)
      print("wrote \(out): the average of \(checkpoints.count) checkpoints (\(model.parameters.count) parameters)")
    }
  }
}
