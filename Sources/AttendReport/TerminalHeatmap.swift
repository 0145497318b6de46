import AttendStorage

/// Draws an attention matrix in a terminal: one row per produced target token, one column per
/// source token, each cell's shade the weight that target token gave that source token.
///
/// Columns are three characters wide. Source tokens of up to two characters label their columns
/// directly; longer ones are written vertically above the grid (cut to `maxHeaderHeight`). Target
/// tokens label the rows, cut to `maxLabelWidth`. The strongest cell of each row is marked, so
/// the argmax alignment reads at a glance in every style.
public struct TerminalHeatmap: Sendable {
  /// How weights are drawn.
  public enum Style: String, CaseIterable, Sendable {
    /// xterm 256-colour backgrounds on the viridis scale (needs a colour terminal).
    case color
    /// Unicode shade blocks ` ░▒▓█`: works in any UTF-8 terminal, file or pipe.
    case shade
    /// The weight in percent, two digits (100 shows as `**`): exact values, no colour.
    case numbers
  }

  public var style: Style
  public var maxLabelWidth: Int
  public var maxHeaderHeight: Int

  public init(style: Style, maxLabelWidth: Int = 14, maxHeaderHeight: Int = 8) {
    self.style = style
    self.maxLabelWidth = maxLabelWidth
    self.maxHeaderHeight = maxHeaderHeight
  }

  /// Shade blocks by weight: below 0.1, 0.3, 0.5, 0.75, and the rest.
  static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

  static func shade(_ weight: Double) -> Character {
    guard !weight.isNaN else { return "?" }
    switch weight {
    case ..<0.1: return shades[0]
    case ..<0.3: return shades[1]
    case ..<0.5: return shades[2]
    case ..<0.75: return shades[3]
    default: return shades[4]
    }
  }

  /// The heatmap as lines of text, ending with a newline.
  public func render(_ alignment: AlignmentRecord) -> String {
    let sources = alignment.sourceTokens, targets = alignment.targetTokens
    let labels = targets.map { Self.cut($0, to: maxLabelWidth) }
    let labelWidth = max(labels.map(\.count).max() ?? 0, 1)
    let indent = String(repeating: " ", count: labelWidth + 1)
    var out = ""

    // Column headers.
    if sources.allSatisfy({ $0.count <= 2 }) {
      out += indent + sources.map { Self.pad($0, to: 2) + " " }.joined() + "\n"
    } else {
      let columns = sources.map { Array(Self.cut($0, to: maxHeaderHeight)) }
      let height = columns.map(\.count).max() ?? 0
      for row in 0..<height {
        out += indent
        for column in columns { out += (row < column.count ? String(column[row]) : " ") + "  " }
        out += "\n"
      }
    }

    for (t, label) in labels.enumerated() {
      out += Self.pad(label, to: labelWidth, alignRight: true) + " "
      var best = 0
      for s in sources.indices where alignment.weight(target: t, source: s) > alignment.weight(target: t, source: best) {
        best = s
      }
      for s in sources.indices {
        out += cell(alignment.weight(target: t, source: s), isArgmax: s == best)
      }
      out += "\n"
    }
    out += legend(indent: indent)
    return out
  }

  private func cell(_ weight: Double, isArgmax: Bool) -> String {
    switch style {
    case .color:
      let colour = Colormap.viridis(weight)
      let mark = isArgmax ? (colour.luminance > 0.5 ? "\u{1B}[30m•" : "\u{1B}[97m•") : " "
      return "\u{1B}[48;5;\(Colormap.xterm256(colour))m\(mark)  \u{1B}[0m"
    case .shade:
      let block = Self.shade(weight)
      return String([block, block]) + (isArgmax ? "<" : " ")
    case .numbers:
      guard !weight.isNaN else { return "?? " }
      let percent = Int((weight * 100).rounded())
      let text = percent >= 100 ? "**" : Self.pad(String(percent), to: 2, alignRight: true)
      return text + (isArgmax ? "<" : " ")
    }
  }

  private func legend(indent: String) -> String {
    switch style {
    case .color:
      let ramp = stride(from: 0.0, through: 1.0, by: 0.125).map {
        "\u{1B}[48;5;\(Colormap.xterm256(Colormap.viridis($0)))m  \u{1B}[0m"
      }.joined()
      return indent + "0 " + ramp + " 1   • strongest source per row\n"
    case .shade:
      return indent + "weight: ' ' <0.1  ░ <0.3  ▒ <0.5  ▓ <0.75  █ ≥0.75   < strongest source per row\n"
    case .numbers:
      return indent + "weight in percent (** = 100)   < strongest source per row\n"
    }
  }

  /// `text` cut to `width` characters, the last replaced by `…` when cut.
  static func cut(_ text: String, to width: Int) -> String {
    guard text.count > width else { return text }
    return String(text.prefix(max(width - 1, 0))) + "…"
  }

  static func pad(_ text: String, to width: Int, alignRight: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(width - text.count, 0))
    return alignRight ? padding + text : text + padding
  }
}
