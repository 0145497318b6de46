import AttendReport
import AttendStorage
import Foundation
import XCTest

@testable import AttendCLI

/// `attend runs`, `attend alignments` and `attend report`, run as the command line parses them,
/// on a small training log made here.
final class HistoryCommandsTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("attend-cli-history-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// A log with a finished run "toy" (one evaluation, one probe) and a running run "live".
  private func makeLog() throws -> String {
    let path = directory + "/attend.sqlite"
    let log = try TrainingLog(path: path)
    let runID = try log.startRun(
      name: "toy", configJSON: "{}", seed: 1, sourceVocabularySize: 5, targetVocabularySize: 5, trainPairs: 10,
      blas: "none", devPairs: 2)
    try log.logProbes(runID: runID, probes: [(["a", "b"], ["b", "a"])])
    try log.logStep(
      StepRecord(
        runID: runID, step: 40, epoch: 1, loss: 0.5, perplexity: 1.6, learningRate: 1e-3, gradNorm: 1,
        tokensPerSecond: 10, elapsedSeconds: 4))
    try log.logEvaluation(
      runID: runID, step: 40, devLoss: 0.25, bleu: 87.5, bleuSignature: "s", elapsedSeconds: 4, chrF: 90.25, aer: 0.125)
    try log.logAlignment(
      runID: runID, step: 40, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["b", "a", "</s>"],
      weights: [0.1, 0.9, 0.8, 0.2, 0.5, 0.5])
    try log.finishRun(runID: runID, status: .completed, finalStep: 40, bestBLEU: nil)
    _ = try log.startRun(
      name: "live", configJSON: "{}", seed: 2, sourceVocabularySize: 5, targetVocabularySize: 5, trainPairs: 10,
      blas: "none")
    return path
  }

  private func run(_ arguments: [String]) throws {
    var command = try AttendCommand.parseAsRoot(arguments)
    try command.run()
  }

  func testRootHelpListsTheHistoryCommands() {
    let help = AttendCommand.helpMessage()
    for name in ["runs", "alignments", "report"] {
      XCTAssertTrue(help.contains("\n  \(name) "), "root help lists \(name)")
    }
  }

  func testRunsTableListsKeyMetricsAlignedInColumns() throws {
    let log = try TrainingLog(path: try makeLog())
    let lines = RunsCommand.table(try log.runs()).split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 3)
    XCTAssertTrue(lines[0].hasPrefix("id  name  status     steps  best BLEU   chrF    AER  dev loss  started"), lines[0])
    XCTAssertTrue(lines[1].hasPrefix(" 1  toy   completed     40  87.50 @40  90.25  0.125    0.2500  "), lines[1])
    XCTAssertTrue(lines[2].hasPrefix(" 2  live  running        -          -      -      -         -  "), lines[2])
    XCTAssertTrue(lines[2].hasSuffix("  -"), "a running run has no duration yet")
  }

  func testDurationsReadNaturally() {
    XCTAssertEqual(RunsCommand.duration(from: "2025-01-31T12:00:00.000Z", to: "2025-01-31T12:00:09.500Z"), "9.5s")
    XCTAssertEqual(RunsCommand.duration(from: "2025-01-31T12:00:00.000Z", to: "2025-01-31T12:03:05.000Z"), "3m05s")
    XCTAssertEqual(RunsCommand.duration(from: "2025-01-31T12:00:00.000Z", to: "2025-01-31T14:02:00.000Z"), "2h02m")
    XCTAssertNil(RunsCommand.duration(from: "2025-01-31T12:00:00.000Z", to: nil))
  }

  func testAlignmentsExportsSVGAndPNGForAProbeAndStep() throws {
    let database = try makeLog()
    let svg = directory + "/out/heatmap.svg", png = directory + "/out/heatmap.png"
    try run(["alignments", "--database", database, "--run", "toy", "--probe", "0", "--step", "40", "--out", svg])
    try run(["alignments", "--database", database, "--run", "toy", "--out", png])
    let svgText = try String(contentsOfFile: svg, encoding: .utf8)
    XCTAssertTrue(svgText.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    XCTAssertTrue(svgText.contains("toy · probe 0 · step 40"))
    let pngBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: png)))
    XCTAssertEqual(Array(pngBytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
  }

  func testReportWritesOneHTMLFile() throws {
    let database = try makeLog()
    let out = directory + "/report.html"
    try run(["report", "--database", database, "--run", "toy", "--out", out])
    let html = try String(contentsOfFile: out, encoding: .utf8)
    XCTAssertTrue(html.contains("Attend run <span class=\"name\">toy</span>"))
    XCTAssertTrue(html.contains("id=\"attend-data\""))
  }

  func testBadArgumentsAreRefusedWithAHint() throws {
    let database = try makeLog()
    XCTAssertThrowsError(try run(["alignments", "--database", database, "--run", "toy", "--out", directory + "/x.jpg"])) {
      XCTAssertTrue(AttendCommand.message(for: $0).contains("must end in .svg or .png"), AttendCommand.message(for: $0))
    }
    XCTAssertThrowsError(try run(["alignments", "--database", database, "--run", "toy", "--probe", "-1"]))
    var options = TrainingLogOptions()
    options.database = directory + "/missing.sqlite"
    XCTAssertThrowsError(try options.open()) {
      XCTAssertEqual($0 as? MissingTrainingLog, MissingTrainingLog(path: directory + "/missing.sqlite"))
      XCTAssertTrue("\($0)".contains("pass --database PATH"))
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/missing.sqlite"), "not created by looking")
  }
}
