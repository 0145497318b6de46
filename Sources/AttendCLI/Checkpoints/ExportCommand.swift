import ArgumentParser
import AttendCheckpoint
import AttendTraining

/// `attend export`: a checkpoint's weights for other frameworks.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a checkpoint's parameters in the safetensors format, for PyTorch and friends.",
    discussion: """
      Tensor names are the parameter names of the PyTorch reference model
      (scripts/reference_model.py), so `model.load_state_dict(safetensors.torch.load_file(OUT))`
      needs no renaming. The metadata entry `attend_header` holds the checkpoint header (config,
      vocabularies) as JSON. Optimizer state is not exported. scripts/export_check.py translates
      the dev set with the exported weights in PyTorch and compares with `attend translate`.
      """)

  @Option(name: .shortAndLong, help: "The checkpoint to export.")
  var checkpoint: String

  @Option(help: "Output file (.safetensors); replaced atomically if it exists.")
  var safetensors: String

  func run() throws {
    try reportingErrors {
      let count = try ModelCheckpoint.exportSafeTensors(from: checkpoint, to: safetensors)
      print("wrote \(safetensors): \(count) tensors")
    }
  }
}
