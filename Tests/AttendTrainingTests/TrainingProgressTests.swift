import XCTest

@testable import AttendTraining

/// The live progress line on a terminal, plain lines elsewhere, and the end-of-run summary.
final class TrainingProgressTests: XCTestCase {
  /// A progress display writing into `output`, on a clock the test moves.
  private final class Harness {
    var output = ""
    var now = 100.0
    lazy var progress = TrainingProgress(
      isTerminal: isTerminal, refreshInterval: 0.5, write: { [unowned self] in self.output += $0 },
      clock: { [unowned self] in self.now })
    let isTerminal: Bool
    init(isTerminal: Bool) { self.isTerminal = isTerminal }

    /// One step of a 10-batch epoch, taking `seconds`, with loss 2 per token over 100 tokens.
    func step(_ step: Int, seconds: Double = 0.2) {
      now += seconds
      progress.step(
        step: step, epoch: step / 10, batch: step % 10, batchesPerEpoch: 10, epochs: 3, maxSteps: 0,
        lossSum: 200, tokens: 100)
    }
  }

  func testOnATerminalTheLiveLineIsRedrawnInPlaceAtTheRefreshRate() {
    let h = Harness(isTerminal: true)
    h.step(1)
    XCTAssertEqual(
      h.output, "\r\u{1B}[2Kepoch 1/3 [##··················] 1/10  step 1  loss 2.0000",
      "the first step has no measured speed yet")
    h.output = ""
    h.step(2)
    h.step(3)
    XCTAssertEqual(h.output, "", "0.4 s after the last draw: not yet")
    h.step(4)
    XCTAssertEqual(
      h.output, "\r\u{1B}[2Kepoch 1/3 [########············] 4/10  step 4  loss 2.0000  500 tok/s  epoch ends in 0:01",
      "0.6 s for 4 steps, 6 to go: 0.9 s left")
  }

  func testMessagesPrintAboveTheLiveLineAndRedrawIt() {
    let h = Harness(isTerminal: true)
    h.step(1)
    let line = String(h.output.dropFirst("\r\u{1B}[2K".count))
    h.output = ""
    h.progress.message("eval  step 1  BLEU 12.00")
    XCTAssertEqual(h.output, "\r\u{1B}[2Keval  step 1  BLEU 12.00\n" + line)
    h.output = ""
    h.progress.finish()
    XCTAssertEqual(h.output, "\r\u{1B}[2K", "finish clears the line for the summary")
    h.output = ""
    h.progress.message("after")
    XCTAssertEqual(h.output, "after\n")
  }

  func testAFinishedEpochLeavesOneLineBehind() {
    let h = Harness(isTerminal: true)
    for s in 1...10 { h.step(s, seconds: 0.5) }
    XCTAssertTrue(
      h.output.contains("\r\u{1B}[2Kepoch 1/3 done: 10 steps in 0:05, mean loss 2.0000, 222 tok/s\n"),
      "timed from the end of the first step, 1000 tokens in 4.5 s: \(h.output)")
    XCTAssertTrue(h.output.hasSuffix("epoch 1/3 [####################] 10/10  step 10  loss 2.0000  200 tok/s"))
  }

  func testWithoutATerminalStepsPrintNothingAndMessagesArePlainLines() {
    let h = Harness(isTerminal: false)
    for s in 1...25 { h.step(s) }
    h.progress.message("step 25  loss 2.0")
    h.progress.finish()
    XCTAssertEqual(h.output, "step 25  loss 2.0\n", "no control characters, no live line, no epoch lines")
  }

  func testSummaryNamesTheResultsTheFilesAndTheNextCommands() {
    let summary = TrainingSummary(
      runID: 3, runName: "reverse", steps: 939, epochs: 3, bleuAtBest: 100, bestStep: 939, lastBLEU: 99.5,
      latestCheckpoint: "checkpoints/reverse/latest.ckpt", bestCheckpoint: "checkpoints/reverse/best.ckpt",
      seconds: 75, tokensPerSecond: 52_340, losses: [0.5, 0.0012])
    XCTAssertEqual(
      TrainingProgress.summary(summary, database: "runs/attend.sqlite"),
      """
      done: 939 steps, 3 epochs in 1:15; 52.3k target tokens/s (evaluation excluded)
      best dev BLEU 100.00 at step 939; last 99.50
      last training loss 0.0012
      checkpoints: checkpoints/reverse/best.ckpt (best), checkpoints/reverse/latest.ckpt (latest)
      log: runs/attend.sqlite (run id 3, name 'reverse')
      next: attend runs · attend alignments --run reverse · attend report --run reverse --out reverse.html

      """)
    XCTAssertTrue(
      TrainingProgress.summary(summary, database: "/tmp/x.sqlite").contains("attend runs --database /tmp/x.sqlite"))
  }

  func testSummaryNamesTheMetricThatChoseTheBestCheckpoint() {
    var summary = TrainingSummary(
      runID: 1, runName: "toy", steps: 400, epochs: 2, bleuAtBest: 97.5, bestStep: 300, lastBLEU: 96,
      latestCheckpoint: "l.ckpt", bestCheckpoint: "b.ckpt", seconds: 10, tokensPerSecond: 1000, losses: [])
    summary.evalMetric = .aer
    summary.bestMetric = 0.125
    XCTAssertTrue(
      TrainingProgress.summary(summary, database: "runs/attend.sqlite")
        .contains("best dev aer 0.1250 at step 300 (BLEU 97.50 there); last BLEU 96.00"))
  }

  func testDurationsAndRatesAreCompact() {
    XCTAssertEqual(TrainingProgress.formatDuration(0.4), "0:00")
    XCTAssertEqual(TrainingProgress.formatDuration(75), "1:15")
    XCTAssertEqual(TrainingProgress.formatDuration(3725), "1:02:05")
    XCTAssertEqual(TrainingProgress.compact(950), "950")
    XCTAssertEqual(TrainingProgress.compact(52_340), "52.3k")
    XCTAssertEqual(TrainingProgress.compact(1_250_000), "1.25M")
  }
}
