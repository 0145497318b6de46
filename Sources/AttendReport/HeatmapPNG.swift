import AttendStorage

/// An attention matrix as a PNG image: the same layout and colours as `HeatmapSVG` (target tokens
/// down the left, source tokens reading upwards along the top, viridis cells, a colour bar), with
/// labels in Attend's own 5 × 7 bitmap font, so no font library is needed.
public struct HeatmapPNG: Sendable {
  /// Side of one cell, pixels.
  public var cellSize: Int
  /// Label pixel size: each font pixel is drawn as a `textScale` × `textScale` square.
  public var textScale: Int
  public var maxLabelCharacters: Int

  public init(cellSize: Int = 24, textScale: Int = 2, maxLabelCharacters: Int = 24) {
    precondition(cellSize > 0 && textScale > 0, "cell size and text scale must be positive")
    self.cellSize = cellSize
    self.textScale = textScale
    self.maxLabelCharacters = maxLabelCharacters
  }

  static let ink = Colormap.RGB(0, 0, 0)
  static let margin = 8

  /// The rendered image; `encoded()` gives the file's bytes.
  public func render(_ alignment: AlignmentRecord) -> PNGImage {
    let sources = alignment.sourceTokens.map { TerminalHeatmap.cut($0, to: maxLabelCharacters) }
    let targets = alignment.targetTokens.map { TerminalHeatmap.cut($0, to: maxLabelCharacters) }
    let advance = BitmapFont.advance * textScale
    let glyphHeight = BitmapFont.glyphHeight * textScale
    let left = Self.margin + (targets.map(\.count).max() ?? 1) * advance + 4
    let top = Self.margin + (sources.map(\.count).max() ?? 1) * advance + 4
    let gridWidth = sources.count * cellSize, gridHeight = targets.count * cellSize
    let barX = left + gridWidth + 12, barHeight = max(gridHeight, 96)
    let width = barX + 12 + 6 + advance + Self.margin
    let height = top + barHeight + Self.margin
    var image = PNGImage(width: width, height: height)

    for (s, token) in sources.enumerated() {
      // Reads upwards, its baseline centred on the column, ending just above the grid.
      let x = left + s * cellSize + (cellSize - glyphHeight) / 2
      draw(token, into: &image, x: x, y: top - 4, upwards: true)
    }
    for (t, token) in targets.enumerated() {
      let x = left - 4 - token.count * advance
      draw(token, into: &image, x: x, y: top + t * cellSize + (cellSize - glyphHeight) / 2, upwards: false)
    }
    for t in targets.indices {
      for s in sources.indices {
        image.fill(
          x: left + s * cellSize, y: top + t * cellSize, width: cellSize, height: cellSize,
          colour: Colormap.viridis(alignment.weight(target: t, source: s)))
      }
    }
    for row in 0..<barHeight {
      let weight = 1 - (Double(row) + 0.5) / Double(barHeight)
      image.fill(x: barX, y: top + row, width: 12, height: 1, colour: Colormap.viridis(weight))
    }
    draw("1", into: &image, x: barX + 18, y: top, upwards: false)
    draw("0", into: &image, x: barX + 18, y: top + barHeight - glyphHeight, upwards: false)
    return image
  }

  /// Draws `text` with its top-left at (x, y); `upwards` turns it 90° anticlockwise, so (x, y) is
  /// then the bottom-left of the text's first character and the text reads bottom to top.
  func draw(_ text: String, into image: inout PNGImage, x: Int, y: Int, upwards: Bool) {
    for (k, character) in text.enumerated() {
      let rows = BitmapFont.glyph(character)
      for (gy, bits) in rows.enumerated() {
        for gx in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - gx)) != 0 {
          let along = (k * BitmapFont.advance + gx) * textScale
          let across = gy * textScale
          if upwards {
            image.fill(
              x: x + across, y: y - along - textScale, width: textScale, height: textScale, colour: Self.ink)
          } else {
            image.fill(x: x + along, y: y + across, width: textScale, height: textScale, colour: Self.ink)
          }
        }
      }
    }
  }
}
