import AttendStorage
import Foundation
import XCTest

@testable import AttendReport

final class HTMLReportTests: XCTestCase {
  func testReportIsSelfContainedAndFetchesNothing() throws {
    let log = try makeToyLog()
    let html = try HTMLReport(history: try RunHistory(log: log, run: try log.findRun("toy"))).render()
    // The only URLs allowed are XML namespace names, which browsers never fetch.
    let urls = html.components(separatedBy: "http").dropFirst().map { "http" + $0.prefix(40) }
    XCTAssertTrue(urls.allSatisfy { $0.hasPrefix("http://www.w3.org/2000/svg") }, "\(urls)")
    for fetch in ["<link", "<img", "<iframe", "@import", "url(", "src=", "fetch(", "XMLHttpRequest"] {
      XCTAssertFalse(html.contains(fetch), "the report must not load \(fetch)")
    }
    XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
    XCTAssertTrue(html.contains("<body data-status=\"loading\">"), "the script flips it to ready")
    XCTAssertEqual(html.components(separatedBy: "class=\"probe\"").count - 1, 2, "one section per probe")
    XCTAssertEqual(html.components(separatedBy: "class=\"chart\"").count - 1, 3, "loss, quality and AER charts")
  }

  func testEmbeddedDataHoldsEveryAlignmentAndCannotCloseTheScriptEarly() throws {
    let log = try makeToyLog()
    let report = HTMLReport(history: try RunHistory(log: log, run: try log.findRun("toy")))
    let html = try report.render()
    XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 2, "a probe token '</script>' stays escaped")
    let json = try report.dataJSON()
    XCTAssertFalse(json.contains("<"))
    struct Data_: Decodable {
      struct Probe: Decodable {
        struct Frame: Decodable { var step: Int; var target: [String]; var weights: [Int]; var bleu: Double? }
        var probe: Int
        var source: [String]
        var frames: [Frame]
      }
      var colormap: [[Int]]
      var probes: [Probe]
    }
    let data = try JSONDecoder().decode(Data_.self, from: Data(json.utf8))
    XCTAssertEqual(data.colormap.count, Colormap.anchors.count)
    XCTAssertEqual(data.probes.map(\.source), [["a", "b"], ["c", "</script>"]])
    XCTAssertEqual(data.probes[0].frames.map(\.step), [100, 200])
    XCTAssertEqual(data.probes[0].frames[1].target, ["b", "a", "</s>"])
    XCTAssertEqual(data.probes[0].frames[1].weights, [100, 900, 900, 100, 500, 500], "thousandths, row-major")
    XCTAssertEqual(data.probes[0].frames.map(\.bleu), [40, 70])
  }

  func testReportShowsTheRunsFactsAndEveryEvaluation() throws {
    let log = try makeToyLog()
    let history = try RunHistory(log: log, run: try log.findRun("toy"))
    XCTAssertEqual(history.steps.count, 20)
    XCTAssertEqual(history.alignments.count, 4)
    let html = try HTMLReport(history: history).render()
    for fact in ["Best dev BLEU</th><td>70.00 at step 200", "Best dev chrF</th><td>70.00", "Lowest dev AER</th><td>0.200",
      "Final dev loss</th><td>1.0000 (step 200)", "<tr class=\"best\"><td>200</td>", "hidden_size"]
    {
      XCTAssertTrue(html.contains(fact), "missing \(fact)")
    }
  }

  func testRunAndAlignmentLookupsExplainWhatExists() throws {
    let log = try makeToyLog()
    XCTAssertEqual(try log.findRun("1").name, "toy", "an id works too")
    XCTAssertThrowsError(try log.findRun("other")) {
      XCTAssertEqual($0 as? ReportError, .unknownRun(reference: "other", database: log.path, available: ["toy"]))
      XCTAssertTrue("\($0)".contains("attend runs --database"))
    }
    let run = try log.findRun("toy")
    XCTAssertEqual(try log.findAlignment(run: run, probe: nil, step: nil).step, 200, "the latest by default")
    XCTAssertEqual(try log.findAlignment(run: run, probe: 1, step: 100).targetTokens, ["x", "</s>"])
    XCTAssertThrowsError(try log.findAlignment(run: run, probe: 2, step: nil)) {
      XCTAssertEqual("\($0)", "run 'toy' has no probe 2: its probes are 0...1")
    }
    XCTAssertThrowsError(try log.findAlignment(run: run, probe: 0, step: 150)) {
      XCTAssertEqual("\($0)", "run 'toy' logged no alignment at step 150; steps with alignments: 100, 200")
    }
    let bare = try log.startRun(
      name: "bare", configJSON: "{}", seed: 1, sourceVocabularySize: 1, targetVocabularySize: 1, trainPairs: 1,
      blas: "none")
    XCTAssertThrowsError(try log.findAlignment(run: try XCTUnwrap(try log.run(id: bare)), probe: nil, step: nil)) {
      XCTAssertEqual($0 as? ReportError, .noAlignments(run: "bare"))
    }
    XCTAssertEqual(ReportError.summarise(Array(1...20)), "1, 2, 3, 4, 5, 6, …, 15, 16, 17, 18, 19, 20")
  }

  func testReportOfARunWithoutEvaluationsStillRenders() throws {
    let log = try TrainingLog(path: try makeTemporaryDirectory() + "/attend.sqlite")
    let runID = try log.startRun(
      name: "fresh", configJSON: "{}", seed: 1, sourceVocabularySize: 1, targetVocabularySize: 1, trainPairs: 1,
      blas: "none")
    let html = try HTMLReport(history: try RunHistory(log: log, run: try XCTUnwrap(try log.run(id: runID)))).render()
    XCTAssertTrue(html.contains("No evaluation logged."))
    XCTAssertTrue(html.contains("no data logged"))
    XCTAssertTrue(html.contains("This run logged no attention yet"))
  }
}
