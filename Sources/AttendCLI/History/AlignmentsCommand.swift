import ArgumentParser
import AttendReport
import AttendStorage
import Foundation

extension TerminalHeatmap.Style: ExpressibleByArgument {}

/// `attend alignments`: a probe's attention at one evaluation, as a heatmap in the terminal or
/// exported as SVG/PNG.
struct AlignmentsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alignments",
    abstract: "Draw a probe sentence's attention heatmap from the training log.",
    discussion: """
      Rows are the tokens the model produced at that evaluation, columns the source tokens; the
      strongest source of each row is marked. Without --step, the latest evaluation is shown.
      With --out FILE.svg or FILE.png, the heatmap is written to that file instead.
      """)

  @OptionGroup var log: TrainingLogOptions

  @Option(name: .customLong("run"), help: "Run name (the latest run with this name), or run id.")
  var runReference: String

  @Option(help: "Probe sentence index (0-based; logging.probes sentences are logged).")
  var probe: Int = 0

  @Option(help: "Training step of the evaluation to show (default: the latest).")
  var step: Int?

  @Option(help: "Terminal style: \(TerminalHeatmap.Style.allCases.map(\.rawValue).joined(separator: ", ")) (default: color on a terminal, shade otherwise).")
  var style: TerminalHeatmap.Style?

  @Option(help: "Write the heatmap to this .svg or .png file instead of drawing it.")
  var out: String?

  @Flag(help: "List the steps that have alignments and the probe sentences, then exit.")
  var list = false

  func validate() throws {
    if probe < 0 { throw ValidationError("--probe must be 0 or more, got \(probe)") }
    if let out, ImageFormat(path: out) == nil {
      throw ValidationError("--out \(out): the file name must end in .svg or .png")
    }
  }

  enum ImageFormat {
    case svg, png
    init?(path: String) {
      switch (path as NSString).pathExtension.lowercased() {
      case "svg": self = .svg
      case "png": self = .png
      default: return nil
      }
    }
  }

  func run() throws {
    try reportingErrors {
      let training = try log.open()
      let summary = try training.findRun(runReference)
      if list {
        let steps = try training.alignmentSteps(runID: summary.id)
        print("run '\(summary.name)' (id \(summary.id)): alignments at \(steps.count) steps: "
          + steps.map(String.init).joined(separator: " "))
        for probe in try training.probes(runID: summary.id) {
          print("probe \(probe.probe): \(probe.source.joined(separator: " "))")
        }
        return
      }
      let alignment = try training.findAlignment(run: summary, probe: probe, step: step)
      let title = "\(summary.name) · probe \(alignment.probe) · step \(alignment.step)"
      if let out {
        try write(alignment, title: title, to: out)
        print("wrote \(out) (\(alignment.targetTokens.count) × \(alignment.sourceTokens.count))")
        return
      }
      let reference = try training.probes(runID: summary.id).first { $0.probe == alignment.probe }
      print("run '\(summary.name)' (id \(summary.id)) · probe \(alignment.probe) · step \(alignment.step)")
      print("source:    \(alignment.sourceTokens.joined(separator: " "))")
      if let reference { print("reference: \(reference.reference.joined(separator: " "))") }
      print("output:    \(alignment.targetTokens.joined(separator: " "))")
      print()
      let chosen = style ?? (isatty(STDOUT_FILENO) == 1 ? .color : .shade)
      print(TerminalHeatmap(style: chosen).render(alignment), terminator: "")
    }
  }

  private func write(_ alignment: AlignmentRecord, title: String, to path: String) throws {
    let bytes: [UInt8]
    switch ImageFormat(path: path) {
    case .svg: bytes = Array(HeatmapSVG().render(alignment, title: title).utf8)
    case .png: bytes = HeatmapPNG().render(alignment).encoded()
    case nil: throw ReportError.unknownImageFormat(path: path)
    }
    try OutputFile.write(bytes, to: path)
  }
}

/// Writes command output files atomically (a temporary file renamed into place), so an existing
/// file is replaced whole or not at all, and a write error names the file.
enum OutputFile {
  static func write(_ bytes: [UInt8], to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
  }
}
