import ArgumentParser
import AttendReport
import AttendStorage
import Foundation

/// `attend report`: a self-contained HTML page about one run.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write one self-contained HTML report of a run: curves and attention heatmaps.",
    discussion: """
      The page has the run's facts and final metrics, loss / BLEU / chrF / AER curves, the
      evaluations, and each probe sentence's attention heatmap with a slider over the evaluations.
      It is one file with everything inline: it opens from disk and fetches nothing.
      """)

  @OptionGroup var log: TrainingLogOptions

  @Option(name: .customLong("run"), help: "Run name (the latest run with this name), or run id.")
  var runReference: String

  @Option(help: "The HTML file to write.")
  var out: String

  func run() throws {
    try reportingErrors {
      let training = try log.open()
      let summary = try training.findRun(runReference)
      let history = try RunHistory(log: training, run: summary)
      let html = try HTMLReport(history: history).render()
      try OutputFile.write(Array(html.utf8), to: out)
      print(
        "wrote \(out): run '\(summary.name)' (id \(summary.id)), \(history.evaluations.count) evaluations, "
          + "\(history.probes.count) probes")
    }
  }
}
