import AttendData
import AttendModel

// Shapes: B sentences, K beam size, R = B·K rows (row b·K + k is hypothesis k of sentence b),
// T decoder steps, S attention stride, V target vocabulary.

/// Batched beam search: B sentences × K hypotheses advance together as R rows of one decoder step.
///
/// At step i every live hypothesis (all have i tokens) proposes its K + 1 best next tokens; a
/// sentence's K·(K + 1) candidates are ranked by log-probability sum. Walking down that ranking, a
/// `</s>` candidate among the first K finishes its hypothesis; other candidates fill the K rows of
/// the next step, which continue from their parents' states (`StepDecoder.reorder`). A sentence is
/// done when no hypothesis is left alive, or, without length normalisation (where scores only
/// fall), as soon as no live hypothesis can still beat the N-th best finished one, which makes the
/// stop exact; with normalisation a longer output can still overtake, and the sentence is done
/// once K hypotheses have finished (fairseq's rule). At the length limit `</s>` is forced, before
/// `minLength` it is forbidden.
///
/// With K = 1 this is greedy decoding, token for token and score for score: the single candidate
/// ranked first is the argmax (lowest id on ties), and scores add the same Float terms in the same
/// order. Finished hypotheses are ranked by `SearchOptions.score` (length-normalised).
public enum BeamSearch {
  /// N-best lists (best first) for `sources` (non-empty id sequences), in input order.
  public static func translate(
    _ model: Seq2Seq, sources: [[Int32]], options: SearchOptions, workspace: Workspace = Workspace()
  ) -> [[Translation]] {
    let decoder = Seq2SeqStepDecoder(model: model, workspace: workspace, attention: options.attentionMode(for: model.config))
    return search(decoder, sources: sources, options: options)
  }

  /// One finished hypothesis: where its last row was, to be traced back through the history.
  struct Finished {
    var score: Double
    var logProbability: Double
    /// The step that produced its `</s>` and the row it was in at that step.
    var step: Int
    var row: Int
    /// Finishing order, for a deterministic order among equal scores.
    var order: Int
  }

  /// A possible extension of a live hypothesis.
  struct Candidate {
    var logProbability: Double
    /// k of the parent hypothesis, and the token's rank among the parent's proposals.
    var parent: Int
    var rank: Int
    var token: Int32
  }

  /// Beam search over any `StepDecoder`.
  public static func search(_ decoder: StepDecoder, sources: [[Int32]], options: SearchOptions) -> [[Translation]] {
    precondition(!sources.isEmpty && options.problems.isEmpty, "beam search: \(options.problems)")
    let b = sources.count, k = options.beamSize, r = b * k, v = decoder.vocabularySize
    let limits = sources.map { options.maxOutputLength(sourceLength: $0.count) }
    let steps = limits.max()! + 1
    let eos = SpecialToken.eos
    decoder.start(sources: sources, beamSize: k, steps: steps)
    let s = max(1, sources.map(\.count).max()!)

    // Live hypotheses: log-probability per row (−∞: no hypothesis), next inputs, parents.
    var scores = [Double](repeating: -.infinity, count: r)
    for bi in 0..<b { scores[bi * k] = 0 }
    var nextScores = scores
    var inputs = [Int32](repeating: SpecialToken.bos, count: r)
    var parents = [Int32](repeating: 0, count: r)
    // History [T, R]: the token that took row r into step i + 1 and the row it came from at step
    // i; attention [T, R, S] of every row at every step.
    var tokenAt = [Int32](repeating: SpecialToken.pad, count: steps * r)
    var parentAt = [Int32](repeating: 0, count: steps * r)
    var attention = [Float](repeating: 0, count: steps * r * s)
    var finished = [[Finished]](repeating: [], count: b)
    var done = [Bool](repeating: false, count: b)
    var remaining = b
    var candidates: [Candidate] = []
    candidates.reserveCapacity(k * (k + 1))
    var topTokens = [Int32](repeating: 0, count: k + 1)
    var topLogits = [Float](repeating: 0, count: k + 1)

    var i = 0
    while remaining > 0 && i < steps {
      let logits = inputs.withUnsafeBufferPointer { decoder.step(i, inputs: $0) }
      let (weights, stride) = decoder.attentionWeights(step: i)
      for bi in 0..<b where !done[bi] {
        let length = sources[bi].count
        for row in (bi * k)..<(bi * k + k) {
          for j in 0..<length { attention[(i * r + row) * s + j] = weights[row * stride + j] }
        }
      }
      for row in 0..<r { parents[row] = Int32(row) }

      for bi in 0..<b where !done[bi] {
        // Each live hypothesis proposes its best next tokens.
        candidates.removeAll(keepingCapacity: true)
        for hk in 0..<k where scores[bi * k + hk] > -.infinity {
          let row = bi * k + hk
          let x = logits + row * v
          let (logSum, _) = SoftmaxCrossEntropy.logSumExp(x, count: v, exponentiate: false)
          if i >= limits[bi] {
            candidates.append(
              Candidate(logProbability: scores[row] + Double(x[Int(eos)] - logSum), parent: hk, rank: 0, token: eos))
            continue
          }
          let allowEOS = i >= options.minLength
          let proposals = best(
            x, count: v, keep: allowEOS ? k + 1 : k, excluding: allowEOS ? -1 : eos,
            tokens: &topTokens, logits: &topLogits)
          for p in 0..<proposals {
            let token = topTokens[p]
            candidates.append(
              Candidate(
                logProbability: scores[row] + Double(x[Int(token)] - logSum), parent: hk, rank: p, token: token))
          }
        }
        candidates.sort {
          $0.logProbability != $1.logProbability
            ? $0.logProbability > $1.logProbability
            : ($0.parent, $0.rank) < ($1.parent, $1.rank)
        }
        // The first K candidates may finish; the best non-`</s>` ones fill the K rows.
        var alive = 0
        for (position, c) in candidates.enumerated() {
          if c.token == eos {
            if position < k {
              let length = i + 1
              finished[bi].append(
                Finished(
                  score: options.score(logProbability: c.logProbability, length: length),
                  logProbability: c.logProbability, step: i, row: bi * k + c.parent, order: finished[bi].count))
            }
          } else if alive < k {
            let row = bi * k + alive
            nextScores[row] = c.logProbability
            parents[row] = Int32(bi * k + c.parent)
            tokenAt[i * r + row] = c.token
            parentAt[i * r + row] = Int32(bi * k + c.parent)
            inputs[row] = c.token
            alive += 1
          }
          if alive == k && position >= k - 1 { break }
        }
        for hk in alive..<k {
          nextScores[bi * k + hk] = -.infinity
          inputs[bi * k + hk] = SpecialToken.pad
        }
        if isDone(finished: finished[bi], alive: alive, bestAlive: alive > 0 ? nextScores[bi * k] : -.infinity, options: options) {
          done[bi] = true
          remaining -= 1
          for hk in 0..<k { nextScores[bi * k + hk] = -.infinity }
        }
      }
      swap(&scores, &nextScores)
      if remaining > 0 && i + 1 < steps {
        parents.withUnsafeBufferPointer { decoder.reorder(afterStep: i, parents: $0) }
      }
      i += 1
    }

    // Trace each sentence's N best back through the history.
    return (0..<b).map { bi in
      let ranked = finished[bi].sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }
      return ranked.prefix(options.nBest).map { f in
        var tokens: [Int32] = []
        var rows: [Int] = [f.row]
        var row = f.row
        for m in stride(from: f.step - 1, through: 0, by: -1) {
          tokens.append(tokenAt[m * r + row])
          row = Int(parentAt[m * r + row])
          rows.append(row)
        }
        tokens.reverse()
        rows.reverse()
        let length = sources[bi].count
        let weights = rows.enumerated().map { m, row in
          Array(attention[((m * r + row) * s)..<((m * r + row) * s + length)])
        }
        return Translation(tokens: tokens, attention: weights, logProbability: f.logProbability, score: f.score)
      }
    }
  }

  /// Whether a sentence's search is over (see the type's documentation).
  static func isDone(finished: [Finished], alive: Int, bestAlive: Double, options: SearchOptions) -> Bool {
    if alive == 0 { return true }
    guard options.lengthNormalization == .none else { return finished.count >= options.beamSize }
    // Unnormalised scores only fall: a live hypothesis not above the N-th best finished one can at
    // best tie with it, and ties go to the hypothesis that finished first. So: done when N finished
    // hypotheses score at least as well as the best live one.
    var atLeastAsGood = 0
    for f in finished where f.score >= bestAlive { atLeastAsGood += 1 }
    return atLeastAsGood >= options.nBest
  }

  /// The `keep` largest logits of a row, largest first, the lower id first on ties, skipping id
  /// `excluding`; writes ids and logits into the first slots of `tokens` and `logits` and returns
  /// how many were kept. One pass over V with an insertion into a K-element list.
  @inline(__always)
  static func best(
    _ row: UnsafePointer<Float>, count v: Int, keep: Int, excluding: Int32,
    tokens: inout [Int32], logits: inout [Float]
  ) -> Int {
    var n = 0
    for t in 0..<v where t != Int(excluding) {
      let x = row[t]
      if n == keep && !(x > logits[keep - 1]) { continue }
      var p = n < keep ? n : keep - 1
      if n < keep { n += 1 }
      while p > 0 && x > logits[p - 1] {
        logits[p] = logits[p - 1]
        tokens[p] = tokens[p - 1]
        p -= 1
      }
      logits[p] = x
      tokens[p] = Int32(t)
    }
    return n
  }
}
