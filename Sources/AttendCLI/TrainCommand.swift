import ArgumentParser
import AttendTraining
import Foundation

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a model from a YAML config; logs to SQLite and writes checkpoints.")

  @Option(name: .shortAndLong, help: "Path of the YAML experiment config (see configs/).")
  var config: String

  @Option(help: "Stop after this many steps (overrides training.max_steps).")
  var maxSteps: Int?

  @Option(help: "Stop after this many epochs (overrides training.epochs).")
  var epochs: Int?

  @Option(help: "Run name (overrides logging.run_name).")
  var runName: String?

  @Option(help: "SQLite training log (overrides logging.database).")
  var database: String?

  @Option(help: "Checkpoint directory (overrides training.checkpoint_dir).")
  var checkpointDir: String?

  @Flag(
    help: """
      Continue the run from its newest checkpoint (checkpoint_dir/<run_name>/latest.ckpt), exactly \
      as if it had never stopped. Raise --epochs or --max-steps to train further.
      """)
  var resume = false

  @Flag(help: "Start the run afresh even though its checkpoint directory holds checkpoints, deleting them.")
  var overwrite = false

  func validate() throws {
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
    if let maxSteps, maxSteps < 0 { throw ValidationError("--max-steps must be at least 0 (0: no limit), got \(maxSteps)") }
    if resume && overwrite {
      throw ValidationError("--resume continues the run's checkpoints and --overwrite deletes them: choose one")
    }
  }

  func run() throws {
    try reportingErrors {
      var experiment = try ExperimentConfig.load(path: config)
      if let maxSteps { experiment.training.maxSteps = maxSteps }
      if let epochs { experiment.training.epochs = epochs }
      if let runName { experiment.logging.runName = runName }
      if let database { experiment.logging.database = database }
      if let checkpointDir { experiment.training.checkpointDir = checkpointDir }
      try experiment.validateFiles()
      let trainer = Trainer(config: experiment)
      trainer.resume = resume
      trainer.overwrite = overwrite
      let summary = try trainer.run()
      print(TrainingProgress.summary(summary, database: experiment.logging.database), terminator: "")
    }
  }
}
