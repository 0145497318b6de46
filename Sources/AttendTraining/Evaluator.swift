import AttendData
import AttendEvaluation
import AttendModel
import AttendSearch

/// The dev-set metric that ranks checkpoints (`best.ckpt`), drives early stopping and the
/// learning-rate reduction (`training.eval_metric`).
public enum EvalMetric: String, CaseIterable, Codable, Sendable {
  case bleu, chrf
  case devLoss = "dev_loss"
  /// Needs gold alignments for the dev set (`data.dev_alignments`).
  case aer

  /// BLEU and chrF are scores; the loss and AER are errors.
  public var higherIsBetter: Bool { self == .bleu || self == .chrf }
}

/// Scores a model on a dev set: teacher-forced loss, BLEU and chrF of its translations (sacreBLEU
/// defaults on detokenised text, the numbers `attend eval` prints), and AER of its attention
/// against gold alignments when there are some.
public struct Evaluator {
  public let batchSize: Int
  /// How the translations are decoded (greedy by default: fast enough to run every eval_every).
  public var search: SearchOptions
  public var bleu = SacreBLEU()
  public var chrF = ChrF()
  /// Turns output tokens into the text BLEU and chrF score (and reference tokens into the text
  /// they are scored against). Words joined by spaces unless the data pipeline says otherwise.
  public var detokenize: @Sendable ([String]) -> String = { $0.joined(separator: " ") }

  public init(batchSize: Int = 64, maxOutputRatio: Double = 2) {
    self.batchSize = batchSize
    self.search = .greedy(maxLengthRatio: maxOutputRatio)
  }

  public init(batchSize: Int, search: SearchOptions) {
    self.batchSize = batchSize
    self.search = search
  }

  public struct Result {
    /// Mean token cross-entropy on the dev set (teacher-forced).
    public var loss: Double
    public var bleu: BLEUScore
    public var chrF: ChrFScore
    /// Alignment counts of the attention (argmax links, teacher-forced on the references) against
    /// the gold alignments; nil without gold.
    public var alignment: AlignmentCounts?
    /// The best translation of each dev sentence, as tokens.
    public var hypotheses: [[String]]

    /// The value of `metric` (nil: AER without gold alignments).
    public func value(_ metric: EvalMetric) -> Double? {
      switch metric {
      case .bleu: return bleu.score
      case .chrf: return chrF.score
      case .devLoss: return loss
      case .aer: return alignment?.errorRate
      }
    }
  }

  /// Evaluates `model` on the dev pairs (`encoded[i]` is `dev[i]` as ids). `goldAlignments`, when
  /// given, has one alignment per dev pair, indices into its source and target words.
  public func evaluate(
    _ model: Seq2Seq, dev: [SentencePair], encoded: [EncodedPair], targetVocabulary: Vocabulary,
    goldAlignments: [[AlignmentLink]]? = nil, workspace: Workspace
  ) -> Result {
    precondition(goldAlignments == nil || goldAlignments!.count == encoded.count, "one gold alignment per dev pair")
    // Teacher-forced pass: the loss, and the attention over the reference for AER.
    var lossSum = 0.0
    var tokens = 0
    var alignment = goldAlignments.map { _ in AlignmentCounts() }
    for batch in Batcher.batches(of: encoded, batchSize: batchSize) {
      let (s, n) = model.loss(batch: batch, workspace: workspace)
      lossSum += s
      tokens += n
      if let gold = goldAlignments {
        for (b, weights) in Self.teacherForcedAttention(batch: batch, workspace: workspace).enumerated() {
          let links = AttentionAlignment.links(weights: weights, targetCount: weights.count, method: .argmax)
          alignment! += AlignmentCounts(predicted: links, gold: gold[batch.pairIndices[b]])
        }
      }
    }
    let hypotheses = translate(model, sources: encoded.map(\.source), workspace: workspace).map {
      targetVocabulary.decode($0.tokens)
    }
    let scores = score(hypotheses: hypotheses, dev: dev)
    return Result(
      loss: lossSum / Double(max(tokens, 1)), bleu: scores.bleu, chrF: scores.chrF, alignment: alignment,
      hypotheses: hypotheses)
  }

  /// BLEU and chrF of output tokens (`hypotheses[i]` translates `dev[i]`), both sides detokenised.
  public func score(hypotheses: [[String]], dev: [SentencePair]) -> (bleu: BLEUScore, chrF: ChrFScore) {
    let hypothesisText = hypotheses.map(detokenize)
    let references = [dev.map { detokenize($0.target) }]
    return (
      bleu.score(hypotheses: hypothesisText, referenceStreams: references),
      chrF.score(hypotheses: hypothesisText, referenceStreams: references)
    )
  }

  /// After `model.loss(batch:)`: each sentence's attention [target words][source words] (the
  /// `</s>` step left out), read from the workspace, in batch order.
  public static func teacherForcedAttention(batch: Batch, workspace ws: Workspace) -> [[[Float]]] {
    let (b, s) = (batch.size, batch.sourceLength)
    return (0..<b).map { bi in
      let words = Int(batch.targetLengths[bi]) - 1
      let length = Int(batch.sourceLengths[bi])
      return (0..<words).map { i in
        let row = ws.attentionWeights.pointer + (i * b + bi) * s
        return Array(UnsafeBufferPointer(start: row, count: length))
      }
    }
  }

  /// The best translation of each source, in input order (`search` decides how).
  public func translate(_ model: Seq2Seq, sources: [[Int32]], workspace: Workspace) -> [Translation] {
    Decoding.translate(model, sources: sources, options: search, maxRows: batchSize, workspace: workspace).map {
      $0[0]
    }
  }
}
