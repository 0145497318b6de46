import Foundation

/// A small SVG line chart for the run report: a few series over training steps, linear axes with
/// round tick values, a legend. Points with a NaN or infinite y are gaps in the line (a diverged
/// loss shows as a break, not as a spike to the chart's edge).
public struct LineChart: Sendable {
  public struct Series: Sendable {
    public var name: String
    /// CSS colour.
    public var colour: String
    public var points: [(x: Double, y: Double)]
    /// Draw a dot on every point (for sparse series such as evaluations).
    public var markers: Bool

    public init(name: String, colour: String, points: [(x: Double, y: Double)], markers: Bool = false) {
      self.name = name
      self.colour = colour
      self.points = points
      self.markers = markers
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  /// Fixed y range (e.g. 0...100 for BLEU); nil fits the data.
  public var yRange: ClosedRange<Double>?
  /// Pixels; three charts side by side fit the report's 1200-pixel page.
  public var width = 370
  public var height = 260

  public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
    self.yRange = yRange
  }

  /// About `count` round tick values covering `low...high`: steps of 1, 2 or 5 × 10^k.
  public static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let rough = (high - low) / Double(max(count, 1))
    let magnitude = pow10(Int((log10(rough)).rounded(.down)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    // Multiples of the step (not a running sum, which would accumulate rounding errors).
    var ticks: [Double] = []
    var k = (low / step).rounded(.up)
    while k * step <= high + step * 1e-9 {
      ticks.append(k == 0 ? 0 : k * step)
      k += 1
    }
    return ticks
  }

  private static func pow10(_ k: Int) -> Double {
    var result = 1.0
    for _ in 0..<abs(k) { result *= 10 }
    return k < 0 ? 1 / result : result
  }

  /// A tick label: integers without decimals, else up to three significant decimals.
  static func label(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    var text = String(format3: value)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }

  /// The chart as an inline `<svg>` element.
  public func render() -> String {
    let plotLeft = 56.0, plotRight = Double(width) - 12, plotTop = 30.0
    let plotBottom = Double(height) - 52
    let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(width)" height="\(height)" \
      viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">
      <text x="\(Int(plotLeft))" y="18" font-size="13" font-weight="bold">\(HeatmapSVG.escape(title))</text>

      """
    guard !finite.isEmpty else {
      svg += "<text x=\"\(Int(plotLeft))\" y=\"\(height / 2)\" fill=\"#777\">no data logged</text>\n</svg>\n"
      return svg
    }
    var xLow = finite.map(\.x).min()!, xHigh = finite.map(\.x).max()!
    var yLow = yRange?.lowerBound ?? finite.map(\.y).min()!
    var yHigh = yRange?.upperBound ?? finite.map(\.y).max()!
    if xHigh == xLow { xLow -= 1; xHigh += 1 }
    if yHigh == yLow { yLow -= 1; yHigh += 1 }
    if yRange == nil {
      let pad = (yHigh - yLow) * 0.05
      yLow -= pad
      yHigh += pad
    }
    func px(_ x: Double) -> Double { plotLeft + (x - xLow) / (xHigh - xLow) * (plotRight - plotLeft) }
    func py(_ y: Double) -> Double { plotBottom - (y - yLow) / (yHigh - yLow) * (plotBottom - plotTop) }
    func f(_ v: Double) -> String { String(format3: v) }

    for tick in Self.ticks(yLow, yHigh) {
      svg += "<line x1=\"\(f(plotLeft))\" x2=\"\(f(plotRight))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#e3e3e3\"/>"
      svg += "<text x=\"\(f(plotLeft - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
    }
    for tick in Self.ticks(xLow, xHigh) {
      svg += "<line x1=\"\(f(px(tick)))\" x2=\"\(f(px(tick)))\" y1=\"\(f(plotBottom))\" y2=\"\(f(plotBottom + 4))\" stroke=\"#444\"/>"
      svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
    }
    svg += "<rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\" fill=\"none\" stroke=\"#444\"/>\n"
    svg += "<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(height - 22)\" text-anchor=\"middle\">\(HeatmapSVG.escape(xLabel))</text>\n"
    svg += "<text transform=\"translate(14,\(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HeatmapSVG.escape(yLabel))</text>\n"

    var legendX = plotLeft
    for line in series {
      var path = ""
      var penDown = false
      for point in line.points {
        guard point.x.isFinite, point.y.isFinite else {
          penDown = false
          continue
        }
        path += (penDown ? "L" : "M") + "\(f(px(point.x))),\(f(py(point.y)))"
        penDown = true
      }
      if !path.isEmpty {
        svg += "<path class=\"series\" d=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"1.8\"/>\n"
      }
      if line.markers {
        for point in line.points where point.x.isFinite && point.y.isFinite {
          svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"2.5\" fill=\"\(line.colour)\">"
            + "<title>\(HeatmapSVG.escape(line.name)) at step \(Self.label(point.x)): \(Self.label(point.y))</title></circle>\n"
        }
      }
      svg += "<rect x=\"\(f(legendX))\" y=\"\(height - 12)\" width=\"12\" height=\"4\" fill=\"\(line.colour)\"/>"
      svg += "<text x=\"\(f(legendX + 16))\" y=\"\(height - 7)\">\(HeatmapSVG.escape(line.name))</text>\n"
      legendX += 24 + Double(line.name.count) * 7
    }
    svg += "</svg>\n"
    return svg
  }
}
