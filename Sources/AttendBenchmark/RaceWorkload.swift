import AttendData
import AttendEvaluation
import AttendKernels
import AttendModel
import AttendTraining
import Foundation

/// The quality race of issue #8 ("with a 10-minute training budget on the Tatoeba split, dev BLEU
/// above PyTorch's"): Attend and the PyTorch reference (scripts/race_pytorch.py) train the same
/// model from the same initial weights on the same batch sequence with the same optimiser settings
/// for the same wall-clock budget, then greedy-decode the dev set; both outputs are turned into
/// text and scored here, by the BLEU and chrF code of `Evaluator` (sacreBLEU 13a on detokenised
/// text).
///
/// The sequence of a race, as `attend bench --race` runs it:
/// 1. `makeModel()`, and `Benchmark.writeReference(model, …, extra: referenceExtra)` before any
///    step: the initial weights, the encoded training pairs, the dev sources and the settings;
/// 2. `train(model, seconds:)`: Attend's side, recording the pair indices of every batch;
/// 3. `batchPlan(after:extraBatches:)`: what Attend trained on, then the same batcher continued,
///    written as `race-batches.json` for the reference, which trains on it in order;
/// 4. `translate(model)` and `score(outputs)` for each side.
///
/// The budget covers only the training loop (forming batches included): no evaluation happens
/// during the race, and decoding the dev set afterwards is timed separately.
public struct RaceWorkload {
  /// What both sides train with.
  public struct Settings: Sendable {
    /// Model sizes and batch size (sentences per batch); the race uses `Benchmark.Setup.medium()`.
    public var setup: Benchmark.Setup
    /// Adam's learning rate (β1 0.9, β2 0.999, ε 1e-8 on both sides).
    public var learningRate: Double
    /// Global gradient-norm clipping (0: none).
    public var clipNorm: Double
    /// Seeds the initial weights and the batch order.
    public var seed: UInt64
    /// Greedy decoding stops after `maxOutputRatio × source length + 5` tokens.
    public var maxOutputRatio: Double
    /// Sentences decoded together.
    public var decodeBatchSize = 64
    /// The final training loss is the token-weighted mean over this many last steps.
    public var finalLossSteps = 50

    public init(setup: Benchmark.Setup, learningRate: Double, clipNorm: Double, seed: UInt64, maxOutputRatio: Double) {
      self.setup = setup
      self.learningRate = learningRate
      self.clipNorm = clipNorm
      self.seed = seed
      self.maxOutputRatio = maxOutputRatio
    }

    /// The `medium` model and batch size with `training`'s learning rate, clipping, seed and
    /// output length limit. Dropout stays at the setup's 0 and teacher forcing at 1: the PyTorch
    /// reference mirrors neither.
    public static func medium(training: TrainingConfig) -> Settings {
      Settings(
        setup: .medium(), learningRate: training.learningRate, clipNorm: training.clipNorm, seed: training.seed,
        maxOutputRatio: training.maxOutputRatio)
    }
  }

  public let data: TrainingData
  public let settings: Settings

  public init(data: TrainingData, settings: Settings) {
    precondition(settings.setup.model.dropout == 0, "the PyTorch reference does not mirror dropout")
    self.data = data
    self.settings = settings
  }

  /// The model both sides start from (seeded: the same weights every time).
  public func makeModel() -> Seq2Seq {
    Benchmark.model(
      settings.setup, sourceVocabulary: data.sourceVocabulary.count, targetVocabulary: data.targetVocabulary.count,
      seed: settings.seed)
  }

  /// Sentence batches of the setup's size over the training pairs, bucketed as the data config says.
  public func makeBatcher() -> Batcher {
    Batcher(pairs: data.train, batchSize: settings.setup.batchSize, seed: settings.seed, bucketing: data.bucketing)
  }

  /// The entries of the reference's workload JSON besides the model and its tensors: the race
  /// settings, the training pairs as ids (position i is pair index i of the batch plan) and the
  /// dev sources as ids, all without `<s>`/`</s>`.
  public var referenceExtra: [String: Any] {
    let race: [String: Any] = [
      "learning_rate": settings.learningRate, "clip_norm": settings.clipNorm, "adam_betas": [0.9, 0.999],
      "adam_epsilon": 1e-8, "max_length_ratio": settings.maxOutputRatio, "decode_batch_size": settings.decodeBatchSize,
      "final_loss_steps": settings.finalLossSteps, "batch_size": settings.setup.batchSize, "teacher_forcing": 1.0,
    ]
    return [
      "race": race,
      "train_sources": data.train.map { $0.source.map(Int.init) },
      "train_targets": data.train.map { $0.target.map(Int.init) },
      "dev_sources": data.devEncoded.map { $0.source.map(Int.init) },
    ]
  }

  /// One side's training: what it did within the budget.
  public struct TrainingRun: Sendable {
    public var steps = 0
    /// Target tokens trained on (`</s>` included, padding excluded).
    public var targetTokens = 0
    /// Wall-clock seconds of the training loop.
    public var seconds = 0.0
    /// Each step's loss sum and target tokens, in order.
    public var stepLossSums: [Double] = []
    public var stepTokens: [Int] = []
    /// Each step's batch as pair indices (positions in `data.train`), in batch order.
    public var batches: [[Int]] = []
    /// The batcher after the last step, to continue the same sequence (nil: not Attend's run).
    public var batcherState: BatcherState?

    public init(
      steps: Int = 0, targetTokens: Int = 0, seconds: Double = 0, stepLossSums: [Double] = [], stepTokens: [Int] = [],
      batches: [[Int]] = [], batcherState: BatcherState? = nil
    ) {
      (self.steps, self.targetTokens, self.seconds) = (steps, targetTokens, seconds)
      (self.stepLossSums, self.stepTokens, self.batches, self.batcherState) = (stepLossSums, stepTokens, batches, batcherState)
    }

    public var tokensPerSecond: Double { Double(targetTokens) / max(seconds, 1e-9) }

    /// Token-weighted mean loss of the last `steps` steps (NaN before any step).
    public func finalLoss(lastSteps: Int) -> Double {
      let n = min(lastSteps, stepTokens.count)
      let tokens = stepTokens.suffix(n).reduce(0, +)
      return tokens > 0 ? stepLossSums.suffix(n).reduce(0, +) / Double(tokens) : .nan
    }
  }

  /// Attend's side: full training steps (forward, backward, clipping, Adam), as `Trainer` takes
  /// them, until `budget` seconds have passed (checked before each step) or `maxSteps` steps.
  /// `report` is called about every `reportEvery` seconds with the run so far.
  public func train(
    _ model: Seq2Seq, seconds budget: Double, maxSteps: Int = .max, reportEvery: Double = 30,
    report: (TrainingRun) -> Void = { _ in }
  ) -> TrainingRun {
    var batcher = makeBatcher()
    let step = TrainingStep(
      model: model, optimizer: Adam(parameterCount: model.parameters.count), clipNorm: Float(settings.clipNorm))
    // As Trainer draws it; it only feeds dropout and teacher forcing, both off here.
    var rng = RandomGenerator(seed: settings.seed &+ 0x5EED)
    var run = TrainingRun(batcherState: batcher.state)
    let start = DispatchTime.now().uptimeNanoseconds
    func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    var nextReport = reportEvery
    while run.steps < maxSteps && elapsed() < budget {
      let batch = batcher.nextBatch()
      let taken = step(batch, learningRate: Float(settings.learningRate), rng: &rng)
      run.steps += 1
      run.targetTokens += taken.tokens
      run.stepLossSums.append(taken.lossSum)
      run.stepTokens.append(taken.tokens)
      run.batches.append(batch.pairIndices)
      if elapsed() >= nextReport {
        run.seconds = elapsed()
        report(run)
        nextReport += reportEvery
      }
    }
    run.seconds = elapsed()
    run.batcherState = batcher.state
    return run
  }

  /// The batches the reference trains on, in order: those of `run`, then `extraBatches` more from
  /// the same batcher, so that a faster reference does not run out within the budget.
  public func batchPlan(after run: TrainingRun, extraBatches: Int) throws -> [[Int]] {
    guard let state = run.batcherState else { preconditionFailure("a batch plan continues Attend's own run") }
    var batcher = try Batcher(pairs: data.train, batchSize: settings.setup.batchSize, bucketing: data.bucketing, state: state)
    return run.batches + (0..<extraBatches).map { _ in batcher.nextBatch().pairIndices }
  }

  /// Greedy translations of the dev sources as target ids (without `</s>`), in dev order.
  public func translate(_ model: Seq2Seq) -> [[Int32]] {
    let evaluator = Evaluator(batchSize: settings.decodeBatchSize, maxOutputRatio: settings.maxOutputRatio)
    return evaluator.translate(model, sources: data.devEncoded.map(\.source), workspace: Workspace()).map(\.tokens)
  }

  /// The problem with a side's output ids, if any: one id list per dev sentence, every id in the
  /// target vocabulary.
  public func checkOutputs(_ outputs: [[Int32]]) -> String? {
    if outputs.count != data.dev.count { return "\(outputs.count) translations for \(data.dev.count) dev sentences" }
    let v = Int32(data.targetVocabulary.count)
    if let bad = outputs.joined().first(where: { $0 < 0 || $0 >= v }) {
      return "output id \(bad) is outside the target vocabulary (\(v) ids)"
    }
    return nil
  }

  /// BLEU and chrF of output ids against the dev references, scored as `Trainer`'s evaluation
  /// scores them: ids to tokens, subwords merged and punctuation reattached on both sides.
  public func score(_ outputs: [[Int32]]) -> (bleu: BLEUScore, chrF: ChrFScore) {
    var evaluator = Evaluator(batchSize: settings.decodeBatchSize, maxOutputRatio: settings.maxOutputRatio)
    evaluator.detokenize = { [target = data.preprocessing.target] in target.text($0) }
    return evaluator.score(hypotheses: outputs.map(data.targetVocabulary.decode), dev: data.dev)
  }
}
