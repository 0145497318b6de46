/// The dev-set score a checkpoint was written after. `best` and `keep_best` rank by it.
public struct CheckpointMetric: Codable, Equatable, Sendable {
  /// "bleu", "chrf", "dev_loss", …: whatever the run ranks checkpoints by.
  public var name: String
  public var value: Double
  /// True for scores (BLEU), false for losses and error rates.
  public var higherIsBetter: Bool

  public init(name: String, value: Double, higherIsBetter: Bool) {
    self.name = name
    self.value = value
    self.higherIsBetter = higherIsBetter
  }

  public static func bleu(_ value: Double) -> CheckpointMetric {
    CheckpointMetric(name: "bleu", value: value, higherIsBetter: true)
  }

  /// True when `self` ranks strictly above `other` (a tie keeps the earlier checkpoint best). A
  /// NaN or infinite value (a diverged run) ranks below every finite one.
  public func isBetter(than other: CheckpointMetric) -> Bool {
    guard value.isFinite else { return false }
    guard other.value.isFinite else { return true }
    return higherIsBetter ? value > other.value : value < other.value
  }
}
