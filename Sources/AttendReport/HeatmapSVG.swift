import AttendStorage

/// An attention matrix as a standalone SVG image: target tokens down the left, source tokens
/// (turned upright) along the top, one viridis-coloured cell per weight with the weight in
/// percent written inside, a colour bar on the right and a hover tooltip per cell.
///
/// Text sizes are estimated (no font metrics here): about 0.62 em per character, generous for
/// the sans-serif faces browsers pick, so labels are not clipped.
public struct HeatmapSVG: Sendable {
  /// Side of one cell, pixels.
  public var cellSize: Int
  public var fontSize: Int
  /// Longest token label drawn in full; longer ones end in `…`.
  public var maxLabelCharacters: Int

  public init(cellSize: Int = 28, fontSize: Int = 12, maxLabelCharacters: Int = 24) {
    self.cellSize = cellSize
    self.fontSize = fontSize
    self.maxLabelCharacters = maxLabelCharacters
  }

  /// The SVG document. `title` goes above the grid (and in the `<title>` element).
  public func render(_ alignment: AlignmentRecord, title: String? = nil) -> String {
    let sources = alignment.sourceTokens.map { TerminalHeatmap.cut($0, to: maxLabelCharacters) }
    let targets = alignment.targetTokens.map { TerminalHeatmap.cut($0, to: maxLabelCharacters) }
    let charWidth = Double(fontSize) * 0.62
    let titleHeight = title == nil ? 0 : fontSize * 2
    let left = Int(Double(targets.map(\.count).max() ?? 1) * charWidth) + 12
    let top = titleHeight + Int(Double(sources.map(\.count).max() ?? 1) * charWidth) + 12
    let gridWidth = sources.count * cellSize, gridHeight = targets.count * cellSize
    let barX = left + gridWidth + 16
    let width = barX + 16 + Int(4 * charWidth) + 8
    let height = top + max(gridHeight, 120) + 8

    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
      viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" \
      font-size="\(fontSize)">
      <rect width="100%" height="100%" fill="#ffffff"/>

      """
    if let title {
      svg += "<title>\(Self.escape(title))</title>\n"
      svg += "<text x=\"8\" y=\"\(fontSize + 4)\" font-weight=\"bold\">\(Self.escape(title))</text>\n"
    }
    // Source labels, rotated to read upwards, centred on their column.
    for (s, token) in sources.enumerated() {
      let x = left + s * cellSize + cellSize / 2 + fontSize / 3
      let y = top - 6
      svg += "<text transform=\"translate(\(x),\(y)) rotate(-90)\">\(Self.escape(token))</text>\n"
    }
    // Target labels, right-aligned against the grid.
    for (t, token) in targets.enumerated() {
      let y = top + t * cellSize + cellSize / 2 + fontSize / 3
      svg += "<text x=\"\(left - 6)\" y=\"\(y)\" text-anchor=\"end\">\(Self.escape(token))</text>\n"
    }
    let showValues = cellSize >= 20
    for t in targets.indices {
      for s in sources.indices {
        let weight = alignment.weight(target: t, source: s)
        let colour = Colormap.viridis(weight)
        let x = left + s * cellSize, y = top + t * cellSize
        let value = weight.isNaN ? "NaN" : String(format3: weight)
        svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cellSize)\" height=\"\(cellSize)\" "
          + "fill=\"\(colour.hex)\"><title>\(Self.escape(alignment.targetTokens[t])) ← "
          + "\(Self.escape(alignment.sourceTokens[s])): \(value)</title></rect>\n"
        if showValues, !weight.isNaN {
          let ink = colour.luminance > 0.5 ? "#000000" : "#ffffff"
          svg += "<text x=\"\(x + cellSize / 2)\" y=\"\(y + cellSize / 2 + fontSize / 3)\" "
            + "text-anchor=\"middle\" font-size=\"\(fontSize - 2)\" fill=\"\(ink)\" "
            + "pointer-events=\"none\">\(Int((weight * 100).rounded()))</text>\n"
        }
      }
    }
    // Colour bar: 0 at the bottom, 1 at the top.
    let barHeight = max(gridHeight, 120)
    let steps = 32
    for i in 0..<steps {
      let weight = 1 - (Double(i) + 0.5) / Double(steps)
      let y0 = top + i * barHeight / steps, y1 = top + (i + 1) * barHeight / steps
      svg += "<rect x=\"\(barX)\" y=\"\(y0)\" width=\"14\" height=\"\(y1 - y0)\" "
        + "fill=\"\(Colormap.viridis(weight).hex)\"/>\n"
    }
    svg += "<text x=\"\(barX + 18)\" y=\"\(top + fontSize)\">1</text>\n"
    svg += "<text x=\"\(barX + 18)\" y=\"\(top + barHeight)\">0</text>\n"
    svg += "</svg>\n"
    return svg
  }

  /// Escapes text for an XML text node or attribute value.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(character)
      }
    }
    return out
  }
}

extension String {
  /// `value` with three decimals, without Foundation's locale-dependent formatting.
  init(format3 value: Double) {
    let scaled = Int((abs(value) * 1000).rounded())
    let fraction = String(scaled % 1000)
    self = (value < 0 && scaled != 0 ? "-" : "") + "\(scaled / 1000)."
      + String(repeating: "0", count: 3 - fraction.count) + fraction
  }
}
