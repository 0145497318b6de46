import AttendData
import AttendKernels
import AttendModel

/// One decoded sentence: its target ids (without `</s>`) and, for each produced token
/// (`</s>` included), the attention weights over the real source positions.
public struct Translation: Sendable, Equatable {
  public var tokens: [Int32]
  /// attention[i][j]: weight of source position j when producing output position i.
  public var attention: [[Float]]
  /// Sum of the log-probabilities of the produced tokens (`</s>` included).
  public var logProbability: Double
  /// What the search ranked it by: `logProbability` normalised for length (`SearchOptions.score`);
  /// equal to `logProbability` without normalisation and for greedy decoding.
  public var score: Double

  public init(tokens: [Int32], attention: [[Float]], logProbability: Double, score: Double) {
    self.tokens = tokens
    self.attention = attention
    self.logProbability = logProbability
    self.score = score
  }
}

/// Batched greedy decoding: at each step every unfinished sentence takes its most probable
/// next token; a sentence ends at `</s>` or after `maxLengthRatio × source length + 5` tokens.
public enum GreedySearch {
  public static func translate(
    _ model: Seq2Seq, sources: [[Int32]], maxLengthRatio: Double = 2,
    workspace ws: Workspace = Workspace()
  ) -> [Translation] {
    precondition(!sources.isEmpty)
    let batch = Batch.make(sources: sources, targets: sources.map { _ in [] })
    let b = batch.size
    let limits = sources.map { SearchOptions.greedy(maxLengthRatio: maxLengthRatio).maxOutputLength(sourceLength: $0.count) }
    let steps = limits.max()! + 1
    ws.prepare(batch: batch, model: model, decoderSteps: steps)
    model.encode(ws)
    let v = model.targetVocabularySize, s = batch.sourceLength
    var results = sources.map { _ in Translation(tokens: [], attention: [], logProbability: 0, score: 0) }
    var finished = [Bool](repeating: false, count: b)
    var remaining = b
    var i = 0
    while remaining > 0 && i < steps {
      model.embedDecoderInputs(ws, row: i * b, count: b)
      model.decoderStep(ws, step: i)
      model.outputRows(ws, row: i * b, count: b)
      for bi in 0..<b where !finished[bi] {
        let row = ws.logits.pointer + ws.blockRow(i * b + bi) * v
        var token = model.argmax(row)
        let (logSum, _) = SoftmaxCrossEntropy.logSumExp(row, count: v, exponentiate: false)
        // Past the length limit, stop the sentence here as if `</s>` had been produced.
        if results[bi].tokens.count >= limits[bi] { token = SpecialToken.eos }
        results[bi].logProbability += Double(row[Int(token)] - logSum)
        let weights = ws.attentionWeights.pointer + (i * b + bi) * s
        results[bi].attention.append(Array(UnsafeBufferPointer(start: weights, count: Int(sources[bi].count))))
        if token == SpecialToken.eos {
          results[bi].score = results[bi].logProbability
          finished[bi] = true
          remaining -= 1
        } else {
          results[bi].tokens.append(token)
          if i + 1 < steps { ws.setDecoderInput(step: i + 1, sentence: bi, token: token) }
        }
      }
      i += 1
    }
    return results
  }
}
