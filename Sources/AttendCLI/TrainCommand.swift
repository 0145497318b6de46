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

  @Option(help: "Run name (overrides logging.run_name).")
  var runName: String?

  func run() throws {
    try reportingErrors {
      var experiment = try ExperimentConfig.load(path: config)
      if let maxSteps { experiment.training.maxSteps = maxSteps }
      if let runName { experiment.logging.runName = runName }
      try experiment.validateFiles()
      let trainer = Trainer(config: experiment)
      let summary = try trainer.run()
      print(
        String(
          format: "done: %d steps, %d epochs in %.1fs; %.0f target tokens/s; best dev BLEU %.2f at step %d",
          summary.steps, summary.epochs, summary.seconds, summary.tokensPerSecond, summary.bestBLEU,
          summary.bestStep))
      print("checkpoints: \(summary.bestCheckpoint) (best), \(summary.latestCheckpoint) (latest)")
      print("log: \(experiment.logging.database) (run id \(summary.runID), name '\(summary.runName)')")
    }
  }
}
