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
  public var bestBLEU: Double
  public var bestStep: Int
  public var lastBLEU: Double
  public var latestCheckpoint: String
  public var bestCheckpoint: String
  public var seconds: Double
  /// Target tokens per second over the whole run, evaluation excluded.
  public var tokensPerSecond: Double
  /// Mean training loss of every logged interval, in order (for reproducibility checks).
  public var losses: [Double]
}

/// Runs one experiment: data, model, Adam, evaluation, checkpoints and the SQLite log.
///
/// `run()` reads top-down: prepare everything, then loop { step; log; evaluate }, then finish.
public final class Trainer {
  public let config: ExperimentConfig
  /// Where progress lines go (standard output by default).
  public var log: (String) -> Void = { print($0) }

  // Set up by `prepare()`.
  var data: TrainingData!
  var resolved: ExperimentConfig!
  var model: Seq2Seq!
  var adam: Adam!
  var batcher: Batcher!
  var rng = RandomGenerator(seed: 0)
  var state: TrainingState!
  let workspace = Workspace()
  var evaluator: Evaluator!
  var db: TrainingLog!
  var runID: Int64 = 0
  var runDirectory = ""
  var probes: [SentencePair] = []
  var wallStart = Date()
  var lastBLEU = 0.0
  var losses: [Double] = []

  public init(config: ExperimentConfig) {
    self.config = config
  }

  public var latestPath: String { (runDirectory as NSString).appendingPathComponent("latest.ckpt") }
  public var bestPath: String { (runDirectory as NSString).appendingPathComponent("best.ckpt") }

  public func run() throws -> TrainingSummary {
    wallStart = Date()
    try prepare()
    do {
      try trainLoop()
      if state.lastEvaluatedStep != state.step { try evaluate() }
      try db.flush()
      try db.finishRun(runID: runID, status: .completed, finalStep: state.step, bestBLEU: state.bestBLEU)
    } catch {
      try? db.flush()
      try? db.finishRun(runID: runID, status: .failed, finalStep: state.step, bestBLEU: state.bestBLEU)
      throw error
    }
    return TrainingSummary(
      runID: runID, runName: config.logging.runName, steps: state.step, epochs: batcher.epoch,
      bestBLEU: state.bestBLEU ?? 0, bestStep: state.bestStep, lastBLEU: lastBLEU,
      latestCheckpoint: latestPath, bestCheckpoint: bestPath,
      seconds: Date().timeIntervalSince(wallStart),
      tokensPerSecond: Double(state.trainingTokens) / max(state.trainingSeconds, 1e-9), losses: losses)
  }

  // MARK: Preparation

  func prepare() throws {
    let cfg = config
    try BLAS.load()
    BLAS.threads = cfg.training.threads
    data = try TrainingData(config: cfg.data)
    var modelConfig = cfg.model
    modelConfig.sourceVocabularySize = data.sourceVocabulary.count
    modelConfig.targetVocabularySize = data.targetVocabulary.count
    resolved = cfg
    resolved.model = modelConfig
    log(
      "data: \(data.train.count) training pairs (\(data.droppedTooLong) dropped as longer than "
        + "\(cfg.data.maxLength) tokens), \(data.dev.count) dev pairs; vocabularies: "
        + "\(data.sourceVocabulary.count) source, \(data.targetVocabulary.count) target")
    log("blas: \(BLAS.summary)")

    model = Seq2Seq(config: modelConfig, seed: cfg.training.seed)
    adam = Adam(parameterCount: model.parameters.count)
    batcher = Batcher(pairs: data.train, batchSize: cfg.training.batchSize, seed: cfg.training.seed)
    rng = RandomGenerator(seed: cfg.training.seed &+ 0x5EED)
    state = TrainingState(batcher: batcher.state, randomState: rng.stateWords, learningRate: cfg.training.learningRate)
    evaluator = Evaluator(batchSize: max(cfg.training.batchSize, 64), maxOutputRatio: cfg.training.maxOutputRatio)
    log("model: \(model.parameters.count) parameters")

    let databaseDirectory = (cfg.logging.database as NSString).deletingLastPathComponent
    if !databaseDirectory.isEmpty {
      try FileManager.default.createDirectory(atPath: databaseDirectory, withIntermediateDirectories: true)
    }
    db = try TrainingLog(path: cfg.logging.database)
    runID = try db.startRun(
      name: cfg.logging.runName, configJSON: resolved.jsonString(), seed: Int64(bitPattern: cfg.training.seed),
      sourceVocabularySize: data.sourceVocabulary.count, targetVocabularySize: data.targetVocabulary.count,
      trainPairs: data.train.count, blas: BLAS.summary)
    runDirectory = (cfg.training.checkpointDir as NSString).appendingPathComponent(cfg.logging.runName)
    try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)

    // Probe sentences: the first dev pairs; their attention is logged at every evaluation.
    probes = Array(data.dev.prefix(min(cfg.logging.probes, data.dev.count)))
    try db.logProbes(runID: runID, probes: probes.map { ($0.source, $0.target) })
  }

  // MARK: The loop

  /// Whether the run should stop before taking another step.
  func shouldStop() -> Bool {
    let t = config.training
    if batcher.epoch >= t.epochs { return true }
    if t.maxSteps > 0 && state.step >= t.maxSteps { return true }
    if t.timeLimitMinutes > 0 && Date().timeIntervalSince(wallStart) >= t.timeLimitMinutes * 60 { return true }
    return false
  }

  func trainLoop() throws {
    var interval = IntervalStatistics()
    while !shouldStop() {
      let batch = batcher.nextBatch()
      let stepStart = Date()
      model.parameters.zeroGradients()
      let (lossSum, tokens) = model.lossAndGradients(
        batch: batch, workspace: workspace, teacherForcing: Float(config.training.teacherForcing), rng: &rng)
      let norm = clipGradients(model.parameters, maxNorm: Float(config.training.clipNorm))
      adam.update(model.parameters, learningRate: Float(state.learningRate))
      state.step += 1
      state.trainingSeconds += Date().timeIntervalSince(stepStart)
      state.trainingTokens += tokens
      interval.add(lossSum: lossSum, tokens: tokens, gradientNorm: Double(norm))
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
    log(
      String(
        format: "step %d  epoch %d  loss %.4f  ppl %.2f  |g| %.3f  %.0f tok/s  %.1fs", state.step, batcher.epoch + 1,
        meanLoss, record.perplexity, record.gradNorm, record.tokensPerSecond, record.elapsedSeconds))
    interval = IntervalStatistics()
  }

  // MARK: Evaluation and checkpoints

  func evaluate() throws {
    let evalStart = Date()
    let result = evaluator.evaluate(
      model, dev: data.dev, encoded: data.devEncoded, targetVocabulary: data.targetVocabulary, workspace: workspace)
    lastBLEU = result.bleu.score
    state.lastEvaluatedStep = state.step
    try db.logEvaluation(
      runID: runID, step: state.step, devLoss: result.loss, bleu: result.bleu.score,
      bleuSignature: BLEU.signature, elapsedSeconds: Date().timeIntervalSince(wallStart))
    try logProbeAlignments()
    let isBest = state.bestBLEU.map { result.bleu.score > $0 } ?? true
    if isBest {
      state.bestBLEU = result.bleu.score
      state.bestStep = state.step
    }
    try saveCheckpoints(devBLEU: result.bleu.score, isBest: isBest)
    log(
      String(
        format: "eval  step %d  dev loss %.4f  BLEU %.2f%@  (%.1fs)", state.step, result.loss, result.bleu.score,
        isBest ? "  best" : "", Date().timeIntervalSince(evalStart)))
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

  /// Writes latest.ckpt, and best.ckpt when this evaluation is the best so far.
  func saveCheckpoints(devBLEU: Double, isBest: Bool) throws {
    state.batcher = batcher.state
    state.randomState = rng.stateWords
    let header = CheckpointHeader(
      experiment: resolved, model: model.config, sourceVocabulary: data.sourceVocabulary,
      targetVocabulary: data.targetVocabulary, runName: config.logging.runName, step: state.step,
      epoch: batcher.epoch, devBLEU: devBLEU, bestBLEU: state.bestBLEU,
      createdAt: ISO8601DateFormatter().string(from: Date()))
    try ModelCheckpoint.save(model, header: header, to: latestPath)
    try db.logCheckpoint(runID: runID, step: state.step, path: latestPath, bleu: devBLEU, isBest: false)
    if isBest {
      try ModelCheckpoint.save(model, header: header, to: bestPath)
      try db.logCheckpoint(runID: runID, step: state.step, path: bestPath, bleu: devBLEU, isBest: true)
    }
  }
}
