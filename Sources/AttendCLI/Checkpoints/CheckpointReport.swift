import AttendCheckpoint
import AttendStorage
import AttendTraining
import Foundation

/// The text `attend checkpoint inspect` prints: the file, the header (run, metric, config,
/// vocabularies), the training state of a training checkpoint, and the tensor table.
enum CheckpointReport {
  static func render(_ c: CheckpointInspection) -> String {
    let h = c.header
    var out = "\(c.path)\n"
    func line(_ label: String, _ text: String) {
      out += "  " + label.padding(toLength: 12, withPad: " ", startingAt: 0) + text + "\n"
    }
    line("format", "version \(c.version), \(c.kind), \(grouped(Int(c.fileSize))) bytes, all checksums verified")
    line("run", "'\(h.runName)', step \(h.step), \(h.epoch) epochs completed, written \(h.createdAt)")
    if let metric = h.metric {
      line("metric", "\(metric.name) \(format(metric.value)) (\(metric.higherIsBetter ? "higher" : "lower") is better)")
    } else if let bleu = h.devBLEU {
      line("metric", "bleu \(format(bleu))")
    }
    if let sources = h.averagedFrom {
      line("averaged", "from \(sources.count) checkpoints: \(sources.joined(separator: ", "))")
    }
    line("vocabulary", "source \(h.sourceVocabulary.count) tokens, target \(h.targetVocabulary.count) tokens")
    line("model", json(h.model))
    for (name, section) in [
      ("data", json(h.experiment.data)), ("training", json(h.experiment.training)),
      ("logging", json(h.experiment.logging)),
    ] {
      line(name, section)
    }
    if let fingerprint = h.dataFingerprint { line("data hash", fingerprint) }

    if let s = h.trainingState {
      out += "training state\n"
      let optimizer = h.optimizer.map { ", \($0.name) step \($0.step)" } ?? ""
      line(
        "position",
        "step \(s.step)\(optimizer), epoch \(s.batcher.epoch + 1), next batch \(s.batcher.position + 1) of "
          + "\(s.batcher.batches.count)")
      line("schedule", "learning rate \(format(s.learningRate))")
      let best = s.bestMetric.map { "\(h.metric?.name ?? "metric") \(format($0)) at step \(s.bestStep)" } ?? "none yet"
      let counted = s.lastEvaluatedStep >= 0 ? ", as of the evaluation at step \(s.lastEvaluatedStep)" : ""
      line("best", best + counted)
      if s.evaluationsWithoutImprovement > 0 {
        line("plateau", "\(s.evaluationsWithoutImprovement) evaluations without improvement")
      }
      line("progress", "\(format(s.trainingSeconds)) s of training on \(grouped(s.trainingTokens)) target tokens")
      line("random", "teacher forcing \(hex(s.randomState)); batcher \(hex(s.batcher.randomState))")
    }

    let parameters = c.tensors.filter { !$0.isOptimizerState }
    let moments = c.tensors.filter(\.isOptimizerState)
    out += "tensors: \(parameters.count) parameters (\(grouped(parameters.reduce(0) { $0 + $1.count })) values)"
    out += moments.isEmpty ? "\n" : ", \(moments.count) optimizer moments\n"
    let rows = c.tensors.map { t in
      [t.name, "[" + t.shape.map(String.init).joined(separator: ", ") + "]", "float32", grouped(t.count), grouped(4 * t.count)]
    }
    let titles = ["name", "shape", "dtype", "values", "bytes"]
    let widths = titles.indices.map { column in ([titles] + rows).map { $0[column].count }.max()! }
    for row in [titles] + rows {
      let cells = row.enumerated().map { column, text in
        column >= 3
          ? String(repeating: " ", count: widths[column] - text.count) + text
          : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }
      out += "  " + cells.joined(separator: "  ") + "\n"
    }
    return out
  }

  private static func json<T: Encodable>(_ value: T) -> String {
    guard let data = try? StoredJSON.encoder().encode(value) else { return "?" }
    return String(decoding: data, as: UTF8.self)
  }

  private static func format(_ value: Double) -> String {
    String(format: "%.6g", value)
  }

  private static func hex(_ words: [UInt64]) -> String {
    words.map { String($0, radix: 16) }.joined(separator: ":")
  }

}
