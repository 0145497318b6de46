/// A padded batch of B sentence pairs, laid out time-major (index `t * B + b`), which is the
/// layout the model's step loops read.
///
/// Decoder input is `<s> y1 … yn`, decoder output is `y1 … yn </s>`, so a target of n tokens
/// takes n + 1 steps. Padding (id 0) fills every position past a sentence's length.
public struct Batch: Sendable {
  /// B, the number of sentence pairs.
  public let size: Int
  /// S, the longest source length in the batch.
  public let sourceLength: Int
  /// T, the longest target length plus one (for `<s>` / `</s>`).
  public let targetLength: Int
  /// [S*B] source token ids, time-major.
  public var sourceTokens: [Int32]
  /// [B] real source lengths (≥ 1).
  public var sourceLengths: [Int32]
  /// [T*B] decoder inputs, time-major: `<s> y1 … yn` then padding.
  public var targetInput: [Int32]
  /// [T*B] decoder outputs, time-major: `y1 … yn </s>` then padding.
  public var targetOutput: [Int32]
  /// [B] decoder steps per sentence: target length + 1.
  public var targetLengths: [Int32]
  /// Indices of the pairs in the corpus they came from, in batch order.
  public var pairIndices: [Int]

  public init(
    size: Int, sourceLength: Int, targetLength: Int, sourceTokens: [Int32],
    sourceLengths: [Int32], targetInput: [Int32], targetOutput: [Int32], targetLengths: [Int32],
    pairIndices: [Int]
  ) {
    precondition(sourceTokens.count == size * sourceLength)
    precondition(targetInput.count == size * targetLength)
    precondition(targetOutput.count == size * targetLength)
    precondition(sourceLengths.count == size && targetLengths.count == size)
    self.size = size
    self.sourceLength = sourceLength
    self.targetLength = targetLength
    self.sourceTokens = sourceTokens
    self.sourceLengths = sourceLengths
    self.targetInput = targetInput
    self.targetOutput = targetOutput
    self.targetLengths = targetLengths
    self.pairIndices = pairIndices
  }

  /// Real (non-padding) target tokens, `</s>` included: what the loss is averaged over.
  public var targetTokenCount: Int { targetLengths.reduce(0) { $0 + Int($1) } }

  /// Builds a batch from id sequences (without `<s>`/`</s>`; they are added here).
  public static func make(
    sources: [[Int32]], targets: [[Int32]], pairIndices: [Int]? = nil
  ) -> Batch {
    precondition(sources.count == targets.count && !sources.isEmpty)
    let b = sources.count
    let s = max(1, sources.map(\.count).max()!)
    let t = targets.map(\.count).max()! + 1
    var src = [Int32](repeating: SpecialToken.pad, count: s * b)
    var tin = [Int32](repeating: SpecialToken.pad, count: t * b)
    var tout = [Int32](repeating: SpecialToken.pad, count: t * b)
    for i in 0..<b {
      for (p, id) in sources[i].enumerated() { src[p * b + i] = id }
      tin[i] = SpecialToken.bos
      for (p, id) in targets[i].enumerated() {
        tin[(p + 1) * b + i] = id
        tout[p * b + i] = id
      }
      tout[targets[i].count * b + i] = SpecialToken.eos
    }
    return Batch(
      size: b, sourceLength: s, targetLength: t, sourceTokens: src,
      sourceLengths: sources.map { Int32(max(1, $0.count)) }, targetInput: tin,
      targetOutput: tout, targetLengths: targets.map { Int32($0.count + 1) },
      pairIndices: pairIndices ?? Array(0..<b))
  }
}

/// Fixed ids of the special tokens, the same in every vocabulary.
public enum SpecialToken {
  public static let pad: Int32 = 0
  public static let unk: Int32 = 1
  public static let bos: Int32 = 2
  public static let eos: Int32 = 3
  public static let strings = ["<pad>", "<unk>", "<s>", "</s>"]
}
