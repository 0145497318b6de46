/// The colour scale of every heatmap Attend draws (terminal, SVG, PNG, HTML report), so a weight
/// looks the same everywhere.
///
/// Viridis (matplotlib's default): perceptually uniform, readable in grey and by most colour-blind
/// readers, dark for 0 and yellow for 1. Nine anchors sampled from the published table at
/// 0, 1/8, …, 1, linearly interpolated between them; that is within a few units per channel of
/// the 256-entry table, which is plenty for a weight shown to two digits.
public enum Colormap {
  /// An 8-bit RGB colour.
  public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
      self.r = r
      self.g = g
      self.b = b
    }

    /// `#rrggbb`, for SVG and CSS.
    public var hex: String {
      func two(_ v: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 4)], digits[Int(v & 15)]])
      }
      return "#" + two(r) + two(g) + two(b)
    }

    /// Relative luminance (sRGB weights, 0...1): picks dark or light text on top of a cell.
    public var luminance: Double {
      (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255
    }
  }

  static let anchors: [RGB] = [
    RGB(68, 1, 84), RGB(71, 44, 122), RGB(59, 81, 139), RGB(44, 113, 142), RGB(33, 144, 141),
    RGB(39, 173, 129), RGB(92, 200, 99), RGB(170, 220, 50), RGB(253, 231, 37),
  ]

  /// The colour of `weight`, clamped to 0...1. NaN (a weight logged as NaN) is mid grey, so it
  /// stands out from every colour of the scale.
  public static func viridis(_ weight: Double) -> RGB {
    guard !weight.isNaN else { return RGB(128, 128, 128) }
    let x = min(max(weight, 0), 1) * Double(anchors.count - 1)
    let i = min(Int(x), anchors.count - 2)
    let f = x - Double(i)
    let a = anchors[i], b = anchors[i + 1]
    func mix(_ p: UInt8, _ q: UInt8) -> UInt8 {
      UInt8((Double(p) + (Double(q) - Double(p)) * f).rounded())
    }
    return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
  }

  /// The nearest colour of the xterm 256-colour palette's 6×6×6 cube (indices 16...231), for
  /// terminals: `ESC[48;5;Nm` is understood far more widely than 24-bit colour.
  public static func xterm256(_ colour: RGB) -> Int {
    let levels = [0, 95, 135, 175, 215, 255]
    func nearest(_ v: UInt8) -> Int {
      var best = 0
      for (i, level) in levels.enumerated() where abs(level - Int(v)) < abs(levels[best] - Int(v)) {
        best = i
      }
      return best
    }
    return 16 + 36 * nearest(colour.r) + 6 * nearest(colour.g) + nearest(colour.b)
  }
}
