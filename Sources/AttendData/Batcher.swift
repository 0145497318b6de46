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

/// Turns encoded pairs into training batches, epoch after epoch, forever.
///
/// Each epoch visits every pair exactly once. The pairs are shuffled; with bucketing, the
/// shuffled list is cut into chunks of 50 × batchSize pairs, each chunk is sorted by source length
/// (then target length) so that a batch holds sentences of similar length and little padding, the
/// chunks are cut into batches, and the batch order is shuffled. The one smaller batch of an
/// epoch (when batchSize does not divide the pair count) is kept. All randomness comes from one
/// `RandomGenerator`, so a seed fixes the whole sequence and `state` resumes it exactly.
public struct Batcher {
  /// Pairs per chunk sorted together by length, in batches.
  public static let bucketChunkBatches = 50

  public let pairs: [EncodedPair]
  public let batchSize: Int
  public let bucketing: Bool
  /// Completed epochs.
  public private(set) var epoch: Int
  /// Batches of the current epoch already returned.
  public private(set) var positionInEpoch: Int
  private var rng: RandomGenerator
  private var plan: [[Int]]

  public init(pairs: [EncodedPair], batchSize: Int, seed: UInt64, bucketing: Bool = true) {
    precondition(!pairs.isEmpty, "a batcher needs at least one pair")
    precondition(batchSize > 0, "batchSize must be positive")
    self.pairs = pairs
    self.batchSize = batchSize
    self.bucketing = bucketing
    epoch = 0
    positionInEpoch = 0
    rng = RandomGenerator(seed: seed)
    plan = []
    plan = makePlan()
  }

  /// Restores a batcher saved with `state`. `pairs`, `batchSize` and `bucketing` must be the
  /// ones it was created with; a state that cannot belong to them throws
  /// `DataError.invalidBatcherState`.
  public init(
    pairs: [EncodedPair], batchSize: Int, bucketing: Bool = true, state: BatcherState
  ) throws {
    precondition(!pairs.isEmpty, "a batcher needs at least one pair")
    precondition(batchSize > 0, "batchSize must be positive")
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
      guard !batch.isEmpty, batch.count <= batchSize else {
        throw invalid("a saved batch has \(batch.count) pairs; expected 1…\(batchSize)")
      }
      for i in batch {
        guard i >= 0, i < pairs.count, !seen[i] else {
          throw invalid("the saved epoch does not visit each of the \(pairs.count) pairs once")
        }
        seen[i] = true
      }
    }
    guard !seen.contains(false) else {
      throw invalid("the saved epoch does not visit each of the \(pairs.count) pairs once")
    }
    self.pairs = pairs
    self.batchSize = batchSize
    self.bucketing = bucketing
    epoch = state.epoch
    positionInEpoch = state.position
    rng = RandomGenerator(state: state.randomState)
    plan = state.batches
  }

  /// The state to save; `init(pairs:batchSize:bucketing:state:)` continues from it.
  public var state: BatcherState {
    BatcherState(
      epoch: epoch, position: positionInEpoch, randomState: rng.stateWords, batches: plan)
  }

  /// Batches in one epoch.
  public var batchesPerEpoch: Int { (pairs.count + batchSize - 1) / batchSize }

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

  /// One epoch's batches as positions in `pairs`, drawn from `rng`.
  private mutating func makePlan() -> [[Int]] {
    var order = Array(pairs.indices)
    rng.shuffle(&order)
    guard bucketing else { return Self.cut(order, batchSize) }
    let chunkSize = Self.bucketChunkBatches * batchSize
    var batches: [[Int]] = []
    batches.reserveCapacity(batchesPerEpoch)
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
      batches += Self.cut(chunk, batchSize)
    }
    rng.shuffle(&batches)
    return batches
  }

  private static func cut(_ order: [Int], _ size: Int) -> [[Int]] {
    stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min($0 + size, order.count)]) }
  }
}
