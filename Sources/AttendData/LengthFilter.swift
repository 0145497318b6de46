/// Length limits on training pairs, in model tokens (after subword segmentation), per side.
///
/// Long pairs cost time and memory quadratically in attention and a single 10,000-word line can
/// exhaust memory, so they are dropped, counted, and reported rather than trained on.
public struct LengthLimits: Equatable, Sendable {
  public var minSource: Int
  public var maxSource: Int
  public var minTarget: Int
  public var maxTarget: Int

  public init(minSource: Int = 1, maxSource: Int, minTarget: Int = 1, maxTarget: Int) {
    self.minSource = minSource
    self.maxSource = maxSource
    self.minTarget = minTarget
    self.maxTarget = maxTarget
  }

  /// Why a pair with these lengths is dropped, or nil if it is kept. Reasons are checked in the
  /// order of `LengthDropReason.allCases`; a pair is counted once, under the first that applies.
  public func dropReason(sourceLength: Int, targetLength: Int) -> LengthDropReason? {
    if sourceLength > maxSource { return .sourceTooLong }
    if targetLength > maxTarget { return .targetTooLong }
    if sourceLength < minSource { return .sourceTooShort }
    if targetLength < minTarget { return .targetTooShort }
    return nil
  }
}

public enum LengthDropReason: String, CaseIterable, Codable, Sendable {
  case sourceTooLong = "source_too_long"
  case targetTooLong = "target_too_long"
  case sourceTooShort = "source_too_short"
  case targetTooShort = "target_too_short"
}

/// What a length filter kept and dropped.
public struct LengthFilterReport: Equatable, Sendable {
  public var limits: LengthLimits
  public var kept: Int = 0
  public var dropped: [LengthDropReason: Int] = [:]

  public init(limits: LengthLimits) {
    self.limits = limits
  }

  public var droppedCount: Int { dropped.values.reduce(0, +) }

  /// "kept 990 of 1000 pairs; dropped 10 (source_too_long 7 (> 50 tokens); target_too_long 3 (> 50 tokens))".
  public var summary: String {
    var text = "kept \(kept) of \(kept + droppedCount) pairs"
    if droppedCount > 0 {
      let parts = LengthDropReason.allCases.compactMap { reason -> String? in
        guard let count = dropped[reason] else { return nil }
        let bound: String
        switch reason {
        case .sourceTooLong: bound = "> \(limits.maxSource) tokens"
        case .targetTooLong: bound = "> \(limits.maxTarget) tokens"
        case .sourceTooShort: bound = "< \(limits.minSource) tokens"
        case .targetTooShort: bound = "< \(limits.minTarget) tokens"
        }
        return "\(reason.rawValue) \(count) (\(bound))"
      }
      text += "; dropped \(droppedCount) (\(parts.joined(separator: "; ")))"
    }
    return text
  }

  /// The elements of `items` within `limits`, in order, and the counts of what was dropped.
  public static func filter<T>(
    _ items: [T], limits: LengthLimits, sourceLength: (T) -> Int, targetLength: (T) -> Int
  ) -> (kept: [T], report: LengthFilterReport) {
    var report = LengthFilterReport(limits: limits)
    var kept: [T] = []
    kept.reserveCapacity(items.count)
    for item in items {
      if let reason = limits.dropReason(sourceLength: sourceLength(item), targetLength: targetLength(item)) {
        report.dropped[reason, default: 0] += 1
      } else {
        kept.append(item)
      }
    }
    report.kept = kept.count
    return (kept, report)
  }
}
