import ArgumentParser

/// `attend`: the root command only dispatches to its subcommands.
public struct AttendCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "attend",
    abstract: "Train attention-based neural machine translation models and look inside them.",
    discussion: """
      Start with `attend train --config configs/reverse.yaml`, then translate with
      `attend translate --checkpoint checkpoints/reverse/best.ckpt 1 2 3`. The training log is an
      SQLite database (logging.database in the config) for the sqlite3 shell.
      """,
    version: "0.1.0",
    subcommands: [TrainCommand.self, TranslateCommand.self, EvalCommand.self, BleuCommand.self, CorpusCommand.self, InfoCommand.self,
      RunsCommand.self, AlignmentsCommand.self, ReportCommand.self,
      CheckpointCommand.self, ExportCommand.self, AverageCommand.self,
      BenchCommand.self])

  public init() {}
}
