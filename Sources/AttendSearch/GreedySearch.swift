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
/// Runs over any `StepDecoder` with one row per sentence (beam size 1).
public enum GreedySearch {
  /// Greedy translations of `sources` with `model` (attention mode: the model's decoding settings
  /// unless `attention` is given).
  public static func translate(
    _ model: Seq2Seq, sources: [[Int32]], maxLengthRatio: Double = 2, attention: AttentionMode? = nil,
    workspace: Workspace = Workspace()
  ) -> [Translation] {
    search(
      Seq2SeqStepDecoder(model: model, workspace: workspace, attention: attention), sources: sources,
      maxLengthRatio: maxLengthRatio)
  }

  public static func search(_ decoder: StepDecoder, sources: [[Int32]], maxLengthRatio: Double = 2) -> [Translation] {
    precondition(!sources.isEmpty)
    let b = sources.count
    let limits = sources.map { SearchOptions.greedy(maxLengthRatio: maxLengthRatio).maxOutputLength(sourceLength: $0.count) }
    let steps = limits.max()! + 1
    decoder.start(sources: sources, beamSize: 1, steps: steps)
    let v = decoder.vocabularySize
    var results = sources.map { _ in Translation(tokens: [], attention: [], logProbability: 0, score: 0) }
    var finished = [Bool](repeating: false, count: b)
    var remaining = b
    // Step i's inputs: `<s>`, then each sentence's last token (padding once it has finished).
    var inputs = [Int32](repeating: SpecialToken.bos, count: b)
    var i = 0
    while remaining > 0 && i < steps {
      let logits = inputs.withUnsafeBufferPointer { decoder.step(i, inputs: $0) }
      let (weights, stride) = decoder.attentionWeights(step: i)
      for bi in 0..<b {
        guard !finished[bi] else {
          inputs[bi] = SpecialToken.pad
          continue
        }
        let row = logits + bi * v
        var token = SoftmaxCrossEntropy.argmax(row, count: v)
        let (logSum, _) = SoftmaxCrossEntropy.logSumExp(row, count: v, exponentiate: false)
        // Past the length limit, stop the sentence here as if `</s>` had been produced.
        if results[bi].tokens.count >= limits[bi] { token = SpecialToken.eos }
        results[bi].logProbability += Double(row[Int(token)] - logSum)
        results[bi].attention.append(Array(UnsafeBufferPointer(start: weights + bi * stride, count: sources[bi].count)))
        if token == SpecialToken.eos {
          results[bi].score = results[bi].logProbability
          finished[bi] = true
          remaining -= 1
          inputs[bi] = SpecialToken.pad
        } else {
          results[bi].tokens.append(token)
          inputs[bi] = token
        }
      }
      i += 1
    }
    return results
  }
}
