import Foundation

/// What `attend train` shows while it runs.
///
/// On a terminal: one live progress line, redrawn in place at most every `refreshInterval`
/// seconds (epoch, a bar through the epoch, step, recent loss, tokens/s, time left in the epoch);
/// messages (evaluations, warnings, the plain step lines) are printed above it without tearing
/// it, and each finished epoch leaves one line behind. When output is not a terminal (a file, a
/// pipe, CI), no control characters at all: only the messages, one per line. `summary` is the
/// report printed when the run ends.
///
/// `step` is called once per optimiser step: it only adds numbers and reads the clock (no
/// formatting, no allocation) unless it is time to redraw.
public final class TrainingProgress {
  /// Whether the live line is drawn (standard output is a terminal, unless told otherwise).
  public let isTerminal: Bool
  /// Minimum seconds between two redraws of the live line.
  public var refreshInterval: Double
  private let write: (String) -> Void
  private let clock: () -> Double

  private var liveLine = ""
  private var lastDraw = -Double.infinity
  // The epoch in progress.
  private var epochIndex = -1
  private var epochStart = 0.0
  private var epochSteps = 0
  private var epochLossSum = 0.0
  private var epochTokens = 0
  private var lastStepTime: Double?
  // Exponential moving averages over recent steps (about the last 20).
  private var recentLoss = Double.nan
  private var recentTokensPerSecond = Double.nan
  static let smoothing = 0.1

  /// - Parameters:
  ///   - isTerminal: draw the live line (default: standard output is a terminal).
  ///   - write: where text goes (default: standard output, flushed, through the same C stream
  ///     as `print`, so the two never interleave out of order).
  ///   - clock: seconds on a monotonic clock (tests pass a fake one).
  public init(
    isTerminal: Bool = isatty(STDOUT_FILENO) == 1, refreshInterval: Double = 0.1,
    write: @escaping (String) -> Void = TrainingProgress.standardOutput,
    clock: @escaping () -> Double = TrainingProgress.monotonicSeconds
  ) {
    self.isTerminal = isTerminal
    self.refreshInterval = refreshInterval
    self.write = write
    self.clock = clock
  }

  public static func standardOutput(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
  }

  public static func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
  }

  /// ANSI: carriage return, then erase the whole line.
  static let clearLine = "\r\u{1B}[2K"

  /// Prints one line of text (above the live line on a terminal).
  public func message(_ text: String) {
    if isTerminal && !liveLine.isEmpty {
      write(Self.clearLine + text + "\n" + liveLine)
    } else {
      write(text + "\n")
    }
  }

  /// Records one optimiser step. `epoch` and `batch` are the batcher's completed epochs and
  /// position after taking the step's batch (position 0 means the step finished an epoch);
  /// `lossSum` is the summed token cross-entropy of the batch and `tokens` its target tokens.
  /// `epochs` and `maxSteps` are the run's limits (0: no step limit).
  public func step(
    step: Int, epoch: Int, batch: Int, batchesPerEpoch: Int, epochs: Int, maxSteps: Int,
    lossSum: Double, tokens: Int
  ) {
    let now = clock()
    // The epoch this step belongs to, 0-based: a step that ends an epoch sees the next one's
    // counters already.
    let current = batch == 0 ? epoch - 1 : epoch
    let done = batch == 0 ? batchesPerEpoch : batch
    if current != epochIndex {
      epochIndex = current
      // The epoch began when the previous step ended (the very first step's own duration is
      // unknown, so the first epoch is timed from the end of its first step).
      epochStart = lastStepTime ?? now
      epochSteps = 0
      epochLossSum = 0
      epochTokens = 0
    }
    epochSteps += 1
    epochLossSum += lossSum
    epochTokens += tokens
    let loss = lossSum / Double(max(tokens, 1))
    recentLoss = recentLoss.isNaN ? loss : recentLoss + Self.smoothing * (loss - recentLoss)
    if let last = lastStepTime, now > last {
      let speed = Double(tokens) / (now - last)
      recentTokensPerSecond =
        recentTokensPerSecond.isNaN ? speed : recentTokensPerSecond + Self.smoothing * (speed - recentTokensPerSecond)
    }
    lastStepTime = now

    let endsEpoch = batch == 0
    if endsEpoch {
      let seconds = now - epochStart
      let text = String(
        format: "epoch %d%@ done: %d steps in %@, mean loss %.4f, %@ tok/s", current + 1,
        epochs > 0 ? "/\(epochs)" : "", epochSteps, Self.formatDuration(seconds), epochLossSum / Double(max(epochTokens, 1)),
        Self.compact(Double(epochTokens) / max(seconds, 1e-9)))
      if isTerminal { message(text) }
    }
    guard isTerminal, now - lastDraw >= refreshInterval || endsEpoch else { return }
    lastDraw = now
    liveLine = Self.line(
      step: step, maxSteps: maxSteps, epoch: current + 1, epochs: epochs, done: done, total: batchesPerEpoch,
      loss: recentLoss, tokensPerSecond: recentTokensPerSecond,
      secondsLeft: done < batchesPerEpoch && now > epochStart
        ? (now - epochStart) / Double(epochSteps) * Double(batchesPerEpoch - done) : nil)
    write(Self.clearLine + liveLine)
  }

  /// Removes the live line (call before printing the summary).
  public func finish() {
    guard isTerminal, !liveLine.isEmpty else { return }
    write(Self.clearLine)
    liveLine = ""
  }

  /// The live line, e.g.
  /// `epoch 2/3 [#######·······] 150/313  step 463  loss 0.4213  52.1k tok/s  epoch ends in 0:03`.
  static func line(
    step: Int, maxSteps: Int, epoch: Int, epochs: Int, done: Int, total: Int, loss: Double,
    tokensPerSecond: Double, secondsLeft: Double?
  ) -> String {
    let width = 20
    let filled = total > 0 ? min(width, done * width / total) : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled)
    var text = "epoch \(epoch)\(epochs > 0 ? "/\(epochs)" : "") [\(bar)] \(done)/\(total)"
    text += "  step \(step)\(maxSteps > 0 ? "/\(maxSteps)" : "")"
    if loss.isFinite { text += String(format: "  loss %.4f", loss) } else { text += "  loss \(loss)" }
    if tokensPerSecond.isFinite { text += "  \(compact(tokensPerSecond)) tok/s" }
    if let secondsLeft, secondsLeft.isFinite { text += "  epoch ends in \(formatDuration(secondsLeft))" }
    return text
  }

  /// `m:ss`, or `h:mm:ss` from an hour.
  static func formatDuration(_ seconds: Double) -> String {
    let whole = Int(max(seconds, 0).rounded())
    let (h, m, s) = (whole / 3600, (whole % 3600) / 60, whole % 60)
    return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
  }

  /// `950`, `52.1k`, `1.25M`.
  static func compact(_ value: Double) -> String {
    guard value.isFinite else { return "-" }
    if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
    if value >= 1e3 { return String(format: "%.1fk", value / 1e3) }
    return String(format: "%.0f", value)
  }

  /// The report printed when training ends.
  /// Which evaluation was best and why: by BLEU, or by the configured `eval_metric` with the BLEU
  /// it had then.
  static func bestLine(_ s: TrainingSummary) -> String {
    if s.evalMetric == .bleu {
      return String(format: "best dev BLEU %.2f at step %d; last %.2f", s.bleuAtBest, s.bestStep, s.lastBLEU)
    }
    return String(
      format: "best dev %@ %.4f at step %d (BLEU %.2f there); last BLEU %.2f", s.evalMetric.rawValue,
      s.bestMetric ?? .nan, s.bestStep, s.bleuAtBest, s.lastBLEU)
  }

  public static func summary(_ s: TrainingSummary, database: String) -> String {
    var lines = [
      String(
        format: "done: %d steps, %d epochs in %@; %@ target tokens/s (evaluation excluded)", s.steps, s.epochs,
        formatDuration(s.seconds), compact(s.tokensPerSecond)),
      bestLine(s),
    ]
    if let last = s.losses.last { lines.append(String(format: "last training loss %.4f", last)) }
    lines.append("checkpoints: \(s.bestCheckpoint) (best), \(s.latestCheckpoint) (latest)")
    lines.append("log: \(database) (run id \(s.runID), name '\(s.runName)')")
    let db = database == "runs/attend.sqlite" ? "" : " --database \(database)"
    lines.append(
      "next: attend runs\(db) · attend alignments\(db) --run \(s.runName) · "
        + "attend report\(db) --run \(s.runName) --out \(s.runName).html")
    return lines.joined(separator: "\n") + "\n"
  }
}
