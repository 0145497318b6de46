import AttendCheckpoint
import AttendData
import AttendEvaluation
import AttendKernels
import AttendModel
import AttendSearch
import AttendStorage
import Foundation

/// What a finished training run reports.
public struct TrainingSummary: Sendable {
  public var runID: Int64
  public var runName: String
  public var steps: Int
  public var epochs: Int
  /// The dev BLEU at the best `eval_metric` (see `evalMetric`), and that evaluation's step.
  public var bleuAtBest: Double
  public var bestStep: Int
  public var lastBLEU: Double
  public var latestCheckpoint: String
  public var bestCheckpoint: String
  public var seconds: Double
  /// Target tokens per second over the whole run, evaluation excluded.
  public var tokensPerSecond: Double
  /// Mean training loss of every logged interval, in order (for reproducibility checks).
  public var losses: [Double]
  /// The metric that chose the best checkpoint (`training.eval_metric`) and its best value;
  /// `bleuAtBest` is the BLEU at that same step.
  public var evalMetric: EvalMetric = .bleu
  public var bestMetric: Double? = nil
}

/// Runs one experiment: data, model, optimizer, evaluation, checkpoints and the SQLite log.
///
/// `run()` reads top-down: prepare everything, then loop { step; log; evaluate }, then finish.
public final class Trainer {
  public let config: ExperimentConfig
  /// Console output: a live progress line on a terminal, plain lines otherwise (TrainingProgress).
  public var progress = TrainingProgress()
  /// Where messages go: through `progress` by default, so they never tear its live line.
  public lazy var log: (String) -> Void = { [unowned self] in self.progress.message($0) }

  // Set up by `prepare()`.
  var data: TrainingData!
  var resolved: ExperimentConfig!
  var model: Seq2Seq!
  var optimizer: (any Optimizer)!
  /// Forward, loss, backward, clipping and the optimizer's update on one batch.
  var step: TrainingStep!
  var batcher: Batcher!
  var rng = RandomGenerator(seed: 0)
  var state: TrainingState!
  let workspace = Workspace()
  var evaluator: Evaluator!
  /// Gold alignments of the dev pairs (`data.dev_alignments`), for AER; nil without.
  var goldAlignments: [[AlignmentLink]]?
  var db: TrainingLog!
  var runID: Int64 = 0
  var runDirectory = ""
  var probes: [SentencePair] = []
  var wallStart = Date()
  var lastBLEU = 0.0
  var losses: [Double] = []
  /// `attend train --resume`: continue from the run's newest checkpoint (Trainer+Checkpoints.swift).
  public var resume = false
  /// `attend train --overwrite`: start afresh even though the run directory holds checkpoints,
  /// deleting them. Without it (and without `resume`) such a directory is refused.
  public var overwrite = false
  var checkpoints: CheckpointDirectory!
  /// Held from the start of `run()` to its end: one live writer per run (RunLock).
  var runLock: RunLock?
  /// The header of the checkpoint this run resumed from.
  var resumedFrom: TrainingCheckpointHeader?
  /// Set when the run stops between evaluations: the state checkpoints keep, from before the
  /// final evaluation, so that a resume continues as if the run had never stopped.
  var stateAtStop: TrainingState?

  public init(config: ExperimentConfig) {
    self.config = config
  }

  public var latestPath: String { (runDirectory as NSString).appendingPathComponent("latest.ckpt") }
  public var bestPath: String { (runDirectory as NSString).appendingPathComponent("best.ckpt") }

  public func run() throws -> TrainingSummary {
    wallStart = Date()
    defer { runLock?.release() }
    do {
      try prepare()
    } catch {
      // A run that fails before its first checkpoint leaves no empty directory (RunLock).
      runLock?.releaseRemovingUnusedDirectory()
      throw error
    }
    do {
      try trainLoop()
      if state.lastEvaluatedStep != state.step {
        stateAtStop = state
        try evaluate()
      }
      try db.flush()
      try db.finishRun(runID: runID, status: .completed, finalStep: state.step, bestBLEU: state.bleuAtBest)
      progress.finish()
    } catch {
      progress.finish()
      try? db.flush()
      try? db.finishRun(runID: runID, status: .failed, finalStep: state.step, bestBLEU: state.bleuAtBest)
      runLock?.releaseRemovingUnusedDirectory()
      throw error
    }
    return TrainingSummary(
      runID: runID, runName: config.logging.runName, steps: state.step, epochs: batcher.epoch,
      bleuAtBest: state.bleuAtBest ?? 0, bestStep: state.bestStep, lastBLEU: lastBLEU,
      latestCheckpoint: latestPath, bestCheckpoint: bestPath,
      seconds: Date().timeIntervalSince(wallStart),
      tokensPerSecond: Double(state.trainingTokens) / max(state.trainingSeconds, 1e-9), losses: losses,
      evalMetric: config.training.evalMetric, bestMetric: state.bestMetric)
  }

  // MARK: Preparation

  func prepare() throws {
    let cfg = config
    try openRunDirectory()
    try BLAS.load()
    BLAS.threads = cfg.training.threads
    data = try TrainingData(config: cfg.data)
    var modelConfig = cfg.model
    modelConfig.sourceVocabularySize = data.sourceVocabulary.count
    modelConfig.targetVocabularySize = data.targetVocabulary.count
    resolved = cfg
    resolved.model = modelConfig
    // What reading, carving, filtering and the vocabularies did (skips and drops counted by reason).
    for line in data.report.lines { log("data: " + line) }
    log("cpu: \(KernelPlan.cpuSummary)")
    log("blas: \(BLAS.summary)")

    model = Seq2Seq(config: modelConfig, seed: cfg.training.seed)
    optimizer = cfg.training.makeOptimizer(parameterCount: model.parameters.count)
    step = TrainingStep(
      model: model, optimizer: optimizer, workspace: workspace, clipNorm: Float(cfg.training.clipNorm),
      teacherForcing: Float(cfg.training.teacherForcing))
    batcher = data.makeBatcher(batchSize: cfg.training.batchSize, seed: cfg.training.seed)
    rng = RandomGenerator(seed: cfg.training.seed &+ 0x5EED)
    state = TrainingState(batcher: batcher.state, randomState: rng.stateWords, learningRate: cfg.training.learningRate)
    evaluator = Evaluator(batchSize: max(cfg.training.batchSize, 64), maxOutputRatio: cfg.training.maxOutputRatio)
    // BLEU/chrF score text: subwords merged and punctuation reattached, on both sides.
    evaluator.detokenize = { [target = data.preprocessing.target] in target.text($0) }
    goldAlignments = try cfg.data.devAlignments.map {
      try GoldAlignments.read(
        path: $0, sourceLengths: data.dev.map(\.source.count), targetLengths: data.dev.map(\.target.count),
        each: "dev pair kept from \(cfg.data.dev ?? cfg.data.train) (pairs beyond the length limits are dropped)")
    }
    log("model: \(model.parameters.count) parameters")

    let databaseDirectory = (cfg.logging.database as NSString).deletingLastPathComponent
    if !databaseDirectory.isEmpty {
      try FileManager.default.createDirectory(atPath: databaseDirectory, withIntermediateDirectories: true)
    }
    try restoreIfResuming()
    db = try TrainingLog(path: cfg.logging.database)
    let continuedRun = try continueLoggedRun()
    if let continuedRun {
      runID = continuedRun
      try reconcileLoggedCheckpoints()
    } else {
      runID = try db.startRun(
        name: cfg.logging.runName, configJSON: resolved.jsonString(), seed: Int64(bitPattern: cfg.training.seed),
        sourceVocabularySize: data.sourceVocabulary.count, targetVocabularySize: data.targetVocabulary.count,
        trainPairs: data.train.count, blas: BLAS.summary, devPairs: data.dev.count, cpu: KernelPlan.cpuSummary)
    }

    // Probe sentences: the first dev pairs; their attention is logged at every evaluation.
    probes = Array(data.dev.prefix(min(cfg.logging.probes, data.dev.count)))
    if continuedRun == nil { try db.logProbes(runID: runID, probes: probes.map { ($0.source, $0.target) }) }
  }

  // MARK: The loop

  /// Whether the run should stop before taking another step.
  func shouldStop() -> Bool {
    let t = config.training
    if batcher.epoch >= t.epochs { return true }
    if t.maxSteps > 0 && state.step >= t.maxSteps { return true }
    if t.timeLimitMinutes > 0 && Date().timeIntervalSince(wallStart) >= t.timeLimitMinutes * 60 { return true }
    if t.patience > 0 && state.evaluationsWithoutImprovement >= t.patience { return true }
    return false
  }

  func trainLoop() throws {
    var interval = IntervalStatistics()
    while !shouldStop() {
      let rate = state.learningRate
      if state.applyEpochDecays(completedEpochs: batcher.epoch, training: config.training) {
        log("learning rate \(rate) → \(state.learningRate): epoch \(batcher.epoch) ended (lr_decay_start_epoch)")
      }
      let batch = batcher.nextBatch()
      let stepStart = Date()
      let taken = step(batch, learningRate: Float(state.learningRate), rng: &rng)
      state.step += 1
      state.trainingSeconds += Date().timeIntervalSince(stepStart)
      state.trainingTokens += taken.tokens
      interval.add(lossSum: taken.lossSum, tokens: taken.tokens, gradientNorm: Double(taken.gradientNorm))
      progress.step(
        step: state.step, epoch: batcher.epoch, batch: batcher.positionInEpoch, batchesPerEpoch: batcher.batchesPerEpoch,
        epochs: config.training.epochs, maxSteps: config.training.maxSteps, lossSum: taken.lossSum, tokens: taken.tokens)
      if state.step % config.logging.logEvery == 0 {
        try logInterval(&interval)
      }
      if state.step % config.training.evalEvery == 0 { try evaluate() }
    }
  }

  /// Loss, tokens and gradient norms accumulated between two log lines.
  struct IntervalStatistics {
    var lossSum = 0.0, tokens = 0, steps = 0, gradientNormSum = 0.0
    var start = Date()
    mutating func add(lossSum: Double, tokens: Int, gradientNorm: Double) {
      self.lossSum += lossSum
      self.tokens += tokens
      steps += 1
      gradientNormSum += gradientNorm
    }
  }

  func logInterval(_ interval: inout IntervalStatistics) throws {
    let seconds = Date().timeIntervalSince(interval.start)
    let meanLoss = interval.lossSum / Double(max(interval.tokens, 1))
    losses.append(meanLoss)
    let record = StepRecord(
      runID: runID, step: state.step, epoch: batcher.epoch, loss: meanLoss, perplexity: Foundation.exp(meanLoss),
      learningRate: state.learningRate, gradNorm: interval.gradientNormSum / Double(max(interval.steps, 1)),
      tokensPerSecond: Double(interval.tokens) / max(seconds, 1e-9),
      elapsedSeconds: Date().timeIntervalSince(wallStart))
    try db.logStep(record)
    // On a terminal the live progress line shows this; files and pipes get one line per interval.
    if !progress.isTerminal {
      log(
        String(
          format: "step %d  epoch %d  loss %.4f  ppl %.2f  |g| %.3f  %.0f tok/s  %.1fs", state.step, batcher.epoch + 1,
          meanLoss, record.perplexity, record.gradNorm, record.tokensPerSecond, record.elapsedSeconds))
    }
    interval = IntervalStatistics()
  }

  // MARK: Evaluation and checkpoints

  func evaluate() throws {
    let evalStart = Date()
    let t = config.training
    let result = evaluator.evaluate(
      model, dev: data.dev, encoded: data.devEncoded, targetVocabulary: data.targetVocabulary,
      goldAlignments: goldAlignments, workspace: workspace)
    lastBLEU = result.bleu.score
    state.lastEvaluatedStep = state.step
    try db.logEvaluation(
      runID: runID, step: state.step, devLoss: result.loss, bleu: result.bleu.score,
      bleuSignature: evaluator.bleu.signature(referenceCount: 1), elapsedSeconds: Date().timeIntervalSince(wallStart),
      chrF: result.chrF.score, aer: result.alignment?.errorRate,
      chrFSignature: evaluator.chrF.signature(referenceCount: 1))
    try logProbeAlignments()
    // The config guarantees gold alignments when the metric is AER, so the value exists.
    let value = result.value(t.evalMetric) ?? .nan
    let isBest = recordEvaluation(metric: value, bleu: result.bleu.score)
    try saveCheckpoints(metric: CheckpointMetric(name: t.evalMetric.rawValue, value: value, higherIsBetter: t.evalMetric.higherIsBetter))
    let aer = result.alignment.map { String(format: "  AER %.3f", $0.errorRate) } ?? ""
    log(
      String(
        format: "eval  step %d  dev loss %.4f  BLEU %.2f  chrF %.2f%@%@  (%.1fs)", state.step, result.loss,
        result.bleu.score, result.chrF.score, aer, isBest ? "  best" : "", Date().timeIntervalSince(evalStart)))
    if t.patience > 0 && state.evaluationsWithoutImprovement >= t.patience {
      log(
        "early stopping: no better dev \(t.evalMetric.rawValue) in \(t.patience) evaluations; "
          + "the best was at step \(state.bestStep)")
    }
  }

  /// Takes in one evaluation's `eval_metric` value: whether it is the best so far (strictly, so a
  /// tie keeps the earlier checkpoint), the counts behind early stopping, and the learning-rate
  /// reduction after `lr_patience` evaluations without improvement.
  func recordEvaluation(metric value: Double, bleu: Double) -> Bool {
    let t = config.training
    let isBest = state.bestMetric.map { t.evalMetric.higherIsBetter ? value > $0 : value < $0 } ?? !value.isNaN
    if isBest {
      state.bestMetric = value
      state.bleuAtBest = bleu
      state.bestStep = state.step
      state.evaluationsWithoutImprovement = 0
      state.plateauEvaluations = 0
      return true
    }
    state.evaluationsWithoutImprovement += 1
    state.plateauEvaluations += 1
    if t.lrPatience > 0 && state.plateauEvaluations >= t.lrPatience {
      state.plateauEvaluations = 0
      let reduced = max(t.minLearningRate, state.learningRate * t.lrReductionFactor)
      if reduced < state.learningRate {
        log(
          "learning rate \(state.learningRate) → \(reduced): no better dev \(t.evalMetric.rawValue) in "
            + "\(t.lrPatience) evaluations")
        state.learningRate = reduced
      }
    }
    return false
  }

  /// Greedy-translates the probe sentences and logs their attention matrices.
  func logProbeAlignments() throws {
    let translations = evaluator.translate(
      model, sources: probes.map { data.sourceVocabulary.encode($0.source) }, workspace: workspace)
    for (p, translation) in translations.enumerated() {
      let produced = translation.tokens.map { data.targetVocabulary.token($0) } + ["</s>"]
      try db.logAlignment(
        runID: runID, step: state.step, probe: p, sourceTokens: probes[p].source, targetTokens: produced,
        weights: translation.attention.flatMap { $0 })
    }
  }

  /// Writes this step's training checkpoint, then moves the `latest`/`best` pointers and prunes
  /// old step files (keep_last, keep_best): see CheckpointDirectory.
  func saveCheckpoints(metric: CheckpointMetric) throws {
    state.batcher = batcher.state
    state.randomState = rng.stateWords
    var saved: TrainingState = stateAtStop ?? state
    saved.batcher = batcher.state
    saved.randomState = rng.stateWords
    let header = TrainingCheckpointHeader(
      experiment: resolved, model: model.config, sourceVocabulary: data.sourceVocabulary,
      targetVocabulary: data.targetVocabulary, runName: config.logging.runName, step: state.step,
      epoch: batcher.epoch, devBLEU: lastBLEU, bleuAtBest: state.bleuAtBest,
      createdAt: ISO8601DateFormatter().string(from: Date()), metric: metric, trainingState: saved,
      dataFingerprint: ResumeCheck.dataFingerprint(train: data.train, dev: data.devEncoded), runID: runID,
      preprocessing: data.preprocessing)
    let path = checkpoints.path(step: state.step)
    try ModelCheckpoint.saveTraining(model, optimizer: optimizer, header: header, to: path)
    FaultInjection.reached(.stepFileRenamed)
    try checkpoints.record(step: state.step, metric: metric)
    FaultInjection.reached(.pointersMoved)
    try db.logCheckpoint(
      runID: runID, step: state.step, path: path, bleu: lastBLEU, isBest: checkpoints.best?.step == state.step)
  }
}
