import AttendKernels

/// A sentence pair as ids (without `<s>`/`</s>`), with its index in the corpus it came from.
public struct EncodedPair: Equatable, Sendable {
  public var source: [Int32]
  public var target: [Int32]
  /// Position of the pair in its corpus; carried into `Batch.pairIndices`.
  public var index: Int

  public init(source: [Int32], target: [Int32], index: Int) {
    self.source = source
    self.target = target
    self.index = index
  }
}

/// Everything a `Batcher` needs to continue exactly where it stopped; saved in checkpoints.
public struct BatcherState: Codable, Equatable, Sendable {
  /// Completed epochs.
  public var epoch: Int
  /// Batches of the current epoch already returned.
  public var position: Int
  /// The random generator's state after planning the current epoch.
  public var randomState: [UInt64]
  /// The current epoch's batches, in order, as positions in the batcher's `pairs`.
  public var batches: [[Int]]

  public init(epoch: Int, position: Int, randomState: [UInt64], batches: [[Int]]) {
    self.epoch = epoch
    self.position = position
    self.randomState = randomState
    self.batches = batches
  }
}

/// How pairs are grouped into batches.
public enum BatchingPolicy: Equatable, Sendable {
  /// A fixed number of sentence pairs per batch (the last batch of an epoch may be smaller).
  case sentences(Int)
  /// As many pairs as fit in a budget of padded tokens: a batch of B pairs costs
  /// `B × max(longest source, longest target + 1)`, the larger of its two padded time-major
  /// grids (the `+ 1` is `</s>`). A batch never exceeds the budget unless it holds one pair that
  /// alone does (it still gets trained on, alone). Steps then carry similar amounts of work
  /// whatever the sentence lengths, which is what token-based batching in fairseq, JoeyNMT and
  /// OpenNMT-py is for.
  case tokens(Int)

  /// The padded-token cost of a batch whose longest source and target have these lengths.
  public static func cost(count: Int, longestSource: Int, longestTarget: Int) -> Int {
    count * max(longestSource, longestTarget + 1)
  }
}

/// Turns encoded pairs into training batches, epoch after epoch, forever.
///
/// Each epoch visits every pair exactly once. The pairs are shuffled; with bucketing, the
/// shuffled list is cut into chunks of about 50 batches' worth of pairs, each chunk is sorted by
/// source length (then target length) so that a batch holds sentences of similar length and little
/// padding, the chunks are cut into batches, and the batch order is shuffled. Sentence batches are
/// cut every `n` pairs (one smaller batch per chunk may remain, and is kept); token batches are cut
/// greedily, closing a batch when the next pair would take it over the budget. All randomness
/// comes from one `RandomGenerator`, so a seed fixes the whole sequence and `state` resumes it
/// exactly.
public struct Batcher {
  /// Batches' worth of pairs per chunk sorted together by length.
  public static let bucketChunkBatches = 50

  public let pairs: [EncodedPair]
  public let policy: BatchingPolicy
  public let bucketing: Bool
  /// Completed epochs.
  public private(set) var epoch: Int
  /// Batches of the current epoch already returned.
  public private(set) var positionInEpoch: Int
  private var rng: RandomGenerator
  private var plan: [[Int]]

  /// Pairs per batch for `.sentences`; for `.tokens`, the pairs per batch of average length (the
  /// chunk size unit for bucketing).
  public var batchSize: Int {
    switch policy {
    case .sentences(let n): return n
    case .tokens(let budget):
      let mean = pairs.reduce(0) { $0 + Self.cost(of: $1) } / pairs.count
      return max(1, budget / max(1, mean))
    }
  }

  /// Sentence batches of `batchSize` pairs (the original interface).
  public init(pairs: [EncodedPair], batchSize: Int, seed: UInt64, bucketing: Bool = true) {
    self.init(pairs: pairs, policy: .sentences(batchSize), seed: seed, bucketing: bucketing)
  }

  public init(pairs: [EncodedPair], policy: BatchingPolicy, seed: UInt64, bucketing: Bool = true) {
    precondition(!pairs.isEmpty, "a batcher needs at least one pair")
    Self.checkPolicy(policy)
    self.pairs = pairs
    self.policy = policy
    self.bucketing = bucketing
    epoch = 0
    positionInEpoch = 0
    rng = RandomGenerator(seed: seed)
    plan = []
    plan = makePlan()
  }

  /// Restores a sentence batcher saved with `state` (the original interface).
  public init(
    pairs: [EncodedPair], batchSize: Int, bucketing: Bool = true, state: BatcherState
  ) throws {
    try self.init(pairs: pairs, policy: .sentences(batchSize), bucketing: bucketing, state: state)
  }

  /// Restores a batcher saved with `state`. `pairs`, `policy` and `bucketing` must be the ones it
  /// was created with; a state that cannot belong to them throws `DataError.invalidBatcherState`.
  public init(
    pairs: [EncodedPair], policy: BatchingPolicy, bucketing: Bool = true, state: BatcherState
  ) throws {
    precondition(!pairs.isEmpty, "a batcher needs at least one pair")
    Self.checkPolicy(policy)
    func invalid(_ reason: String) -> DataError { .invalidBatcherState(reason: reason) }
    guard state.randomState.count == 4 else {
      throw invalid("expected 4 random state words, found \(state.randomState.count)")
    }
    guard state.epoch >= 0, state.position >= 0, state.position < state.batches.count else {
      throw invalid(
        "epoch \(state.epoch), batch \(state.position) of \(state.batches.count) is out of range")
    }
    var seen = [Bool](repeating: false, count: pairs.count)
    for batch in state.batches {
      guard !batch.isEmpty else { throw invalid("a saved batch is empty") }
      for i in batch {
        guard i >= 0, i < pairs.count, !seen[i] else {
          throw invalid("the saved epoch does not visit each of the \(pairs.count) pairs once")
        }
        seen[i] = true
      }
      switch policy {
      case .sentences(let n):
        guard batch.count <= n else {
          throw invalid("a saved batch has \(batch.count) pairs; expected 1…\(n)")
        }
      case .tokens(let budget):
        let cost = Self.cost(of: batch.map { pairs[$0] })
        guard batch.count == 1 || cost <= budget else {
          throw invalid("a saved batch costs \(cost) padded tokens; expected at most \(budget)")
        }
      }
    }
    guard !seen.contains(false) else {
      throw invalid("the saved epoch does not visit each of the \(pairs.count) pairs once")
    }
    self.pairs = pairs
    self.policy = policy
    self.bucketing = bucketing
    epoch = state.epoch
    positionInEpoch = state.position
    rng = RandomGenerator(state: state.randomState)
    plan = state.batches
  }

  private static func checkPolicy(_ policy: BatchingPolicy) {
    switch policy {
    case .sentences(let n): precondition(n > 0, "batchSize must be positive")
    case .tokens(let budget): precondition(budget > 0, "the token budget must be positive")
    }
  }

  /// The state to save; `init(pairs:policy:bucketing:state:)` continues from it.
  public var state: BatcherState {
    BatcherState(
      epoch: epoch, position: positionInEpoch, randomState: rng.stateWords, batches: plan)
  }

  /// Batches in the current epoch.
  public var batchesPerEpoch: Int { plan.count }

  /// The next batch. After the last batch of an epoch, `epoch` is incremented and the next epoch
  /// is planned.
  public mutating func nextBatch() -> Batch {
    let members = plan[positionInEpoch].map { pairs[$0] }
    positionInEpoch += 1
    if positionInEpoch == plan.count {
      epoch += 1
      positionInEpoch = 0
      plan = makePlan()
    }
    return Batch.make(
      sources: members.map(\.source), targets: members.map(\.target),
      pairIndices: members.map(\.index))
  }

  /// The batches of `pairs` in corpus order, for evaluation and decoding: no shuffling, no
  /// sorting; the last batch may be smaller.
  public static func batches(of pairs: [EncodedPair], batchSize: Int) -> [Batch] {
    precondition(batchSize > 0, "batchSize must be positive")
    return stride(from: 0, to: pairs.count, by: batchSize).map { start in
      let members = pairs[start..<min(start + batchSize, pairs.count)]
      return Batch.make(
        sources: members.map(\.source), targets: members.map(\.target),
        pairIndices: members.map(\.index))
    }
  }

  /// The padded-token cost of one pair alone.
  static func cost(of pair: EncodedPair) -> Int {
    BatchingPolicy.cost(count: 1, longestSource: pair.source.count, longestTarget: pair.target.count)
  }

  /// The padded-token cost of a batch of these pairs.
  static func cost(of members: [EncodedPair]) -> Int {
    BatchingPolicy.cost(
      count: members.count, longestSource: members.map(\.source.count).max() ?? 0,
      longestTarget: members.map(\.target.count).max() ?? 0)
  }

  /// One epoch's batches as positions in `pairs`, drawn from `rng`.
  private mutating func makePlan() -> [[Int]] {
    var order = Array(pairs.indices)
    rng.shuffle(&order)
    guard bucketing else { return cut(order) }
    let chunkSize = Self.bucketChunkBatches * batchSize
    var batches: [[Int]] = []
    for chunkStart in stride(from: 0, to: order.count, by: chunkSize) {
      // The shuffled rank breaks ties, so the order does not depend on sort stability.
      let chunk = order[chunkStart..<min(chunkStart + chunkSize, order.count)].enumerated()
        .sorted { a, b in
          let (pa, pb) = (pairs[a.element], pairs[b.element])
          if pa.source.count != pb.source.count { return pa.source.count < pb.source.count }
          if pa.target.count != pb.target.count { return pa.target.count < pb.target.count }
          return a.offset < b.offset
        }
        .map(\.element)
      batches += cut(chunk)
    }
    rng.shuffle(&batches)
    return batches
  }

  /// `order` cut into consecutive batches under the policy.
  private func cut(_ order: [Int]) -> [[Int]] {
    switch policy {
    case .sentences(let size):
      return stride(from: 0, to: order.count, by: size).map {
        Array(order[$0..<min($0 + size, order.count)])
      }
    case .tokens(let budget):
      var batches: [[Int]] = []
      var current: [Int] = []
      var (longestSource, longestTarget) = (0, 0)
      for i in order {
        let pair = pairs[i]
        let source = max(longestSource, pair.source.count)
        let target = max(longestTarget, pair.target.count)
        let cost = BatchingPolicy.cost(
          count: current.count + 1, longestSource: source, longestTarget: target)
        if !current.isEmpty && cost > budget {
          batches.append(current)
          current = [i]
          (longestSource, longestTarget) = (pair.source.count, pair.target.count)
        } else {
          current.append(i)
          (longestSource, longestTarget) = (source, target)
        }
      }
      if !current.isEmpty { batches.append(current) }
      return batches
    }
  }
}
