import AttendData
import AttendEvaluation
import AttendModel
import AttendSearch

/// Scores a model on a dev set: teacher-forced loss and greedy-decoding BLEU.
public struct Evaluator {
  public let batchSize: Int
  public let maxOutputRatio: Double

  public init(batchSize: Int = 64, maxOutputRatio: Double = 2) {
    self.batchSize = batchSize
    self.maxOutputRatio = maxOutputRatio
  }

  public struct Result {
    /// Mean token cross-entropy on the dev set (teacher-forced).
    public var loss: Double
    public var bleu: BLEUScore
    public var hypotheses: [[String]]
  }

  public func evaluate(
    _ model: Seq2Seq, dev: [SentencePair], encoded: [EncodedPair], targetVocabulary: Vocabulary,
    workspace: Workspace
  ) -> Result {
    var lossSum = 0.0
    var tokens = 0
    for batch in Batcher.batches(of: encoded, batchSize: batchSize) {
      let (s, n) = model.loss(batch: batch, workspace: workspace)
      lossSum += s
      tokens += n
    }
    let hypotheses = translate(model, sources: encoded.map(\.source), workspace: workspace).map {
      targetVocabulary.decode($0.tokens)
    }
    let bleu = BLEU.corpus(hypotheses: hypotheses, singleReferences: dev.map(\.target))
    return Result(loss: lossSum / Double(max(tokens, 1)), bleu: bleu, hypotheses: hypotheses)
  }

  /// Greedy translations in input order, decoded in length-sorted batches (less padding).
  public func translate(_ model: Seq2Seq, sources: [[Int32]], workspace: Workspace) -> [Translation] {
    let order = sources.indices.sorted { (sources[$0].count, $0) < (sources[$1].count, $1) }
    var results = [Translation?](repeating: nil, count: sources.count)
    var start = 0
    while start < order.count {
      let chunk = Array(order[start..<min(start + batchSize, order.count)])
      let out = GreedySearch.translate(
        model, sources: chunk.map { sources[$0] }, maxLengthRatio: maxOutputRatio, workspace: workspace)
      for (k, index) in chunk.enumerated() { results[index] = out[k] }
      start += batchSize
    }
    return results.map { $0! }
  }
}
