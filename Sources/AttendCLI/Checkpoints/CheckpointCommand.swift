import ArgumentParser
import AttendCheckpoint
import AttendStorage
import AttendTraining
import Foundation

/// `attend checkpoint …`: look inside checkpoint files.
struct CheckpointCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "checkpoint",
    abstract: "Look inside checkpoint files (format: docs/checkpoint-format.md).",
    subcommands: [Inspect.self])

  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Verify a checkpoint and print its header, training state and tensor table.",
      discussion: """
        Every checksum is verified and the header is checked against the tensors first; a damaged
        file is reported with what is wrong and nothing else is printed (exit code 1).
        """)

    @Argument(help: "The checkpoint file (a step-*.ckpt, latest.ckpt, best.ckpt or an averaged model).")
    var path: String

    @Flag(help: "Print the JSON header as stored, instead of the summary.")
    var headerJSON = false

    func run() throws {
      try reportingErrors {
        let inspection = try ModelCheckpoint.inspect(path)
        if headerJSON {
          let bytes = try Checkpoint.readHeader(from: path).header
          print(String(decoding: bytes, as: UTF8.self))
        } else {
          print(CheckpointReport.render(inspection), terminator: "")
        }
      }
    }
  }
}
