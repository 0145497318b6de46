import AttendData

// Alignment error rate (Och & Ney 2003): how well predicted word alignments A agree with gold
// alignments that mark each link sure (S) or possible (P, with S ⊆ P):
//
//     precision = |A ∩ P| / |A|      recall = |A ∩ S| / |S|
//     AER = 1 − (|A ∩ S| + |A ∩ P|) / (|A| + |S|)
//
// Corpus AER sums the four counts over sentences before dividing (not a mean of sentence AERs).
// An attention model's alignment comes from its attention matrix, either as Luong et al. (2015)
// did it, linking each target word to its most attended source word, or as every link whose
// weight is above a threshold.

/// The counts behind an AER, summed over any number of sentences.
public struct AlignmentCounts: Equatable, Sendable {
  /// |A|: predicted links.
  public var predicted = 0
  /// |S|: sure gold links.
  public var sure = 0
  /// |A ∩ S|.
  public var predictedSure = 0
  /// |A ∩ P|, where every sure link is also possible.
  public var predictedPossible = 0

  public init() {}

  /// The counts of one sentence. The `sure` flag of predicted links is ignored; duplicate links
  /// count once.
  public init(predicted: [AlignmentLink], gold: [AlignmentLink]) {
    let predictedPairs = Set(predicted.map { LinkPosition(source: $0.source, target: $0.target) })
    let surePairs = Set(gold.filter(\.sure).map { LinkPosition(source: $0.source, target: $0.target) })
    let possiblePairs = Set(gold.map { LinkPosition(source: $0.source, target: $0.target) })
    self.predicted = predictedPairs.count
    self.sure = surePairs.count
    predictedSure = predictedPairs.intersection(surePairs).count
    predictedPossible = predictedPairs.intersection(possiblePairs).count
  }

  public static func + (a: AlignmentCounts, b: AlignmentCounts) -> AlignmentCounts {
    var sum = a
    sum += b
    return sum
  }

  public static func += (a: inout AlignmentCounts, b: AlignmentCounts) {
    a.predicted += b.predicted
    a.sure += b.sure
    a.predictedSure += b.predictedSure
    a.predictedPossible += b.predictedPossible
  }

  /// AER in 0…1 (lower is better); 0 when there are neither predicted nor sure links.
  public var errorRate: Double {
    let denominator = predicted + sure
    guard denominator > 0 else { return 0 }
    return 1 - Double(predictedSure + predictedPossible) / Double(denominator)
  }

  /// |A ∩ P| / |A| (1 when nothing is predicted).
  public var precision: Double { predicted > 0 ? Double(predictedPossible) / Double(predicted) : 1 }
  /// |A ∩ S| / |S| (1 when there are no sure links).
  public var recall: Double { sure > 0 ? Double(predictedSure) / Double(sure) : 1 }

  struct LinkPosition: Hashable {
    var source: Int
    var target: Int
  }
}

/// Word alignments read off an attention matrix.
public enum AttentionAlignment {
  /// How links are chosen from the weights.
  public enum Method: Equatable, Sendable {
    /// Each target word links to its most attended source word (the lowest position on ties).
    case argmax
    /// Every (source, target) pair whose weight is above the threshold.
    case threshold(Float)
  }

  /// The links of one sentence. `weights[j][i]` is the weight of source word i for target word j;
  /// only the first `targetCount` rows are read (the `</s>` row and beyond are not words).
  public static func links(weights: [[Float]], targetCount: Int, method: Method) -> [AlignmentLink] {
    var links: [AlignmentLink] = []
    for (j, row) in weights.prefix(targetCount).enumerated() where !row.isEmpty {
      switch method {
      case .argmax:
        var best = 0
        for i in 1..<row.count where row[i] > row[best] { best = i }
        links.append(AlignmentLink(source: best, target: j))
      case .threshold(let threshold):
        for (i, w) in row.enumerated() where w > threshold {
          links.append(AlignmentLink(source: i, target: j))
        }
      }
    }
    return links
  }
}
