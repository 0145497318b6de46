import ArgumentParser
import AttendStorage
import Foundation

/// `attend runs`: one line per run with its key metrics.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs",
    abstract: "List the runs in the training log with their key metrics.",
    discussion: """
      Columns: id, name, status (running, completed, interrupted, failed), last step, best dev BLEU
      and its step, best chrF, lowest AER, latest dev loss, start time (UTC) and duration. A run
      left 'running' by a process that died is marked 'interrupted' when the log is opened.
      """)

  @OptionGroup var log: TrainingLogOptions

  @Option(help: "Show only runs with this name.")
  var name: String?

  func run() throws {
    try reportingErrors {
      let training = try log.open()
      var runs = try training.runs()
      if let name { runs = runs.filter { $0.name == name } }
      guard !runs.isEmpty else {
        print(name.map { "no runs named '\($0)' in \(log.database)" } ?? "no runs in \(log.database)")
        return
      }
      print(Self.table(runs), terminator: "")
    }
  }

  static func table(_ runs: [RunSummary]) -> String {
    let header = ["id", "name", "status", "steps", "best BLEU", "chrF", "AER", "dev loss", "started", "time"]
    let rows = runs.map { run -> [String] in
      [
        "\(run.id)", run.name, run.status.rawValue + (run.resumeCount > 0 ? "+\(run.resumeCount)r" : ""),
        (run.finalStep ?? run.lastStep).map(String.init) ?? "-",
        run.bestBLEU.map { String(format: "%.2f", $0) + (run.bestBLEUStep.map { " @\($0)" } ?? "") } ?? "-",
        run.bestChrF.map { String(format: "%.2f", $0) } ?? "-",
        run.bestAER.map { String(format: "%.3f", $0) } ?? "-",
        run.lastDevLoss.map { String(format: "%.4f", $0) } ?? "-",
        String(run.startedAt.replacingOccurrences(of: "T", with: " ").prefix(19)),
        duration(from: run.startedAt, to: run.endedAt) ?? "-",
      ]
    }
    let numeric: Set<Int> = [0, 3, 4, 5, 6, 7, 9]
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { c, text in
        let pad = String(repeating: " ", count: widths[c] - text.count)
        return numeric.contains(c) ? pad + text : text + pad
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
    }
    return line(header) + rows.map(line).joined()
  }

  /// `1h02m`, `3m05s` or `12.3s` between two ISO-8601 timestamps; nil when a time is missing.
  static func duration(from start: String, to end: String?) -> String? {
    let parser = ISO8601DateFormatter()
    parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let end, let a = parser.date(from: start), let b = parser.date(from: end) else { return nil }
    let seconds = b.timeIntervalSince(a)
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
    return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
  }
}
