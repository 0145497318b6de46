import AttendStorage
import Foundation
import XCTest

@testable import AttendReport

/// The report in a real browser: headless Chromium runs its script, which must draw every
/// heatmap and flag `data-status="ready"`. Skipped when Chromium is not installed (Debian:
/// `apt-get install chromium`); scripts/check-report.sh does the same on a trained run.
final class ReportInChromiumTests: XCTestCase {
  private func chromium() throws -> String {
    for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    where FileManager.default.isExecutableFile(atPath: path) {
      return path
    }
    throw XCTSkip("Chromium is not installed (apt-get install chromium)")
  }

  func testReportScriptDrawsEveryHeatmapInHeadlessChromium() throws {
    let browser = try chromium()
    let log = try makeToyLog()
    let html = try HTMLReport(history: try RunHistory(log: log, run: try log.findRun("toy"))).render()
    let file = try makeTemporaryDirectory() + "/report.html"
    try html.write(toFile: file, atomically: true, encoding: .utf8)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: browser)
    process.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
      "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--dump-dom", "file://" + file,
    ]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    XCTAssertTrue(dom.contains("<body data-status=\"ready\">"), String(dom.prefix(400)))
    // The latest frame of each probe: 3 × 2 cells for probe 0, 2 × 2 for probe 1.
    // (Counted as drawn elements, `class="cell" x="<digit>`: the script's own source is in the DOM too.)
    let cells = try NSRegularExpression(pattern: #"class="cell" x="\d"#)
    XCTAssertEqual(cells.numberOfMatches(in: dom, range: NSRange(dom.startIndex..., in: dom)), 10)
    XCTAssertTrue(dom.contains("evaluation 2 of 2 · step 200 · BLEU 70.00"))
    XCTAssertTrue(dom.contains("&lt;/script&gt;"), "the probe token is drawn as text")
  }
}
