import AttendStorage
import Foundation
import XCTest

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import AttendReport

final class HeatmapTests: XCTestCase {
  func testViridisEndsAndMiddleMatchMatplotlibsTable() {
    // matplotlib's viridis at 0, 0.5 and 1: #440154, #21918c, #fde725.
    XCTAssertEqual(Colormap.viridis(0).hex, "#440154")
    XCTAssertEqual(Colormap.viridis(0.5), Colormap.RGB(33, 144, 141))
    XCTAssertEqual(Colormap.viridis(1).hex, "#fde725")
    XCTAssertEqual(Colormap.viridis(-3), Colormap.viridis(0), "clamped")
    XCTAssertEqual(Colormap.viridis(7), Colormap.viridis(1), "clamped")
    XCTAssertEqual(Colormap.viridis(.nan), Colormap.RGB(128, 128, 128))
  }

  func testXterm256PicksTheNearestCubeColour() {
    XCTAssertEqual(Colormap.xterm256(Colormap.RGB(0, 0, 0)), 16)
    XCTAssertEqual(Colormap.xterm256(Colormap.RGB(255, 255, 255)), 231)
    XCTAssertEqual(Colormap.xterm256(Colormap.RGB(255, 0, 0)), 196)
    XCTAssertEqual(Colormap.xterm256(Colormap.RGB(100, 140, 20)), 16 + 36 * 1 + 6 * 2 + 0)
  }

  func testShadeStyleDrawsBlocksMarksTheArgmaxAndWritesShortSourceTokensAsHeaders() {
    let alignment = AlignmentRecord(
      runID: 1, step: 5, probe: 0, sourceTokens: ["1", "22"], targetTokens: ["22", "1", "</s>"],
      weights: [0.05, 0.95, 0.6, 0.4, 0.2, 0.8])
    XCTAssertEqual(
      TerminalHeatmap(style: .shade).render(alignment),
      """
           1  22 
        22    ██<
         1 ▓▓<▒▒ 
      </s> ░░ ██<
           weight: ' ' <0.1  ░ <0.3  ▒ <0.5  ▓ <0.75  █ ≥0.75   < strongest source per row

      """)
  }

  func testNumbersStyleWritesPercentAndLongSourceTokensGoVertical() {
    let alignment = AlignmentRecord(
      runID: 1, step: 5, probe: 0, sourceTokens: ["chat", "le"], targetTokens: ["the", "cat"],
      weights: [0.07, 0.93, 1.0, 0.0])
    XCTAssertEqual(
      TerminalHeatmap(style: .numbers).render(alignment),
      """
          c  l  
          h  e  
          a     
          t     
      the  7 93<
      cat **< 0 
          weight in percent (** = 100)   < strongest source per row

      """)
  }

  func testColorStyleUsesXtermBackgroundsAndResetsEveryCell() {
    let text = TerminalHeatmap(style: .color).render(sampleAlignment())
    let background = "\u{1B}[48;5;\(Colormap.xterm256(Colormap.viridis(0.9)))m"
    XCTAssertTrue(text.contains(background + "\u{1B}[30m•"), "the strongest cell, bright, gets a dark mark")
    XCTAssertEqual(
      text.components(separatedBy: "\u{1B}[48;5;").count - 1, 4 * 3 + 9, "12 cells and a 9-colour legend")
    XCTAssertEqual(text.components(separatedBy: "\u{1B}[0m").count - 1, 4 * 3 + 9)
  }

  func testLongTokensAreCutWithAnEllipsis() {
    XCTAssertEqual(TerminalHeatmap.cut("internationalisation", to: 6), "inter…")
    XCTAssertEqual(TerminalHeatmap.cut("short", to: 6), "short")
  }

  func testSVGIsWellFormedXMLWithOneColouredCellPerWeightAndEscapedTokens() throws {
    let alignment = sampleAlignment()
    let svg = HeatmapSVG().render(alignment, title: "toy · probe 0 · step 200")
    let parser = XMLParser(data: Data(svg.utf8))
    final class Collector: NSObject, XMLParserDelegate {
      var rects: [[String: String]] = []
      var texts: [String] = []
      var inText = false
      func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == "rect", attributes["width"] == "28" { rects.append(attributes) }
        if name == "text" { inText = true; texts.append("") }
      }
      func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { inText = false }
      }
      func parser(_ p: XMLParser, foundCharacters string: String) {
        if inText { texts[texts.count - 1] += string }
      }
    }
    let collector = Collector()
    parser.delegate = collector
    XCTAssertTrue(parser.parse(), "\(parser.parserError as Any)")
    XCTAssertEqual(collector.rects.count, 12)
    XCTAssertEqual(
      collector.rects.map { $0["fill"]! }, alignment.weights.map { Colormap.viridis($0).hex }, "row-major cells")
    for token in ["le", "chat", "noir", "the", "<unk>", "&", "</s>", "toy · probe 0 · step 200", "90", "33"] {
      XCTAssertTrue(collector.texts.contains(token), "missing text \(token) in \(collector.texts)")
    }
  }

  func testChartTicksAreRoundNumbersCoveringTheRange() {
    XCTAssertEqual(LineChart.ticks(0, 939), [0, 200, 400, 600, 800])
    XCTAssertEqual(LineChart.ticks(0, 100), [0, 20, 40, 60, 80, 100])
    XCTAssertEqual(LineChart.ticks(0.013, 0.061, count: 4), [0.02, 0.04, 0.06])
    XCTAssertEqual(LineChart.ticks(-1, 1, count: 4), [-1, -0.5, 0, 0.5, 1])
    XCTAssertEqual(LineChart.ticks(3, 3), [3])
    XCTAssertEqual(LineChart.label(0.05), "0.05")
    XCTAssertEqual(LineChart.label(800), "800")
  }

  func testChartBreaksItsLineAtNonFiniteValues() {
    let chart = LineChart(
      title: "loss", xLabel: "step", yLabel: "nats",
      series: [.init(name: "training", colour: "#000", points: [(1, 2), (2, .nan), (3, 1), (4, 0.5)])])
    let svg = chart.render()
    let path = try? XCTUnwrap(svg.components(separatedBy: "d=\"").dropFirst().first?.components(separatedBy: "\"").first)
    XCTAssertEqual(path?.filter { $0 == "M" }.count, 2, "a gap starts a new subpath: \(path ?? "")")
    XCTAssertEqual(path?.filter { $0 == "L" }.count, 1)
    let empty = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", colour: "#000", points: [])])
    XCTAssertTrue(empty.render().contains("no data logged"))
  }
}
