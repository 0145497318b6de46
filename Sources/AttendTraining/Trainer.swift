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
public final class Trainer {
  public let config: ExperimentConfig
  /// Where progress lines go (standard output by default).
  public var log: (String) -> Void = { print($0) }

  public init(config: ExperimentConfig) {
    self.config = config
  }

  public func run() throws -> TrainingSummary {
    let wallStart = Date()
    let cfg = config
    try BLAS.load()
    BLAS.threads = cfg.training.threads
    let data = try TrainingData(config: cfg.data)
    var modelConfig = cfg.model
    modelConfig.sourceVocabularySize = data.sourceVocabulary.count
    modelConfig.targetVocabularySize = data.targetVocabulary.count
    var resolved = cfg
    resolved.model = modelConfig
    log(
      "data: \(data.train.count) training pairs (\(data.droppedTooLong) dropped as longer than "
        + "\(cfg.data.maxLength) tokens), \(data.dev.count) dev pairs; vocabularies: "
        + "\(data.sourceVocabulary.count) source, \(data.targetVocabulary.count) target")
    log("blas: \(BLAS.summary)")

    let model = Seq2Seq(config: modelConfig, seed: cfg.training.seed)
    let adam = Adam(parameterCount: model.parameters.count)
    var batcher = Batcher(pairs: data.train, batchSize: cfg.training.batchSize, seed: cfg.training.seed)
    var rng = RandomGenerator(seed: cfg.training.seed &+ 0x5EED)
    let workspace = Workspace()
    let evaluator = Evaluator(batchSize: max(cfg.training.batchSize, 64), maxOutputRatio: cfg.training.maxOutputRatio)
    log("model: \(model.parameters.count) parameters")

    try FileManager.default.createDirectory(
      atPath: (cfg.logging.database as NSString).deletingLastPathComponent.isEmpty
        ? "." : (cfg.logging.database as NSString).deletingLastPathComponent,
      withIntermediateDirectories: true)
    let db = try TrainingLog(path: cfg.logging.database)
    let runID = try db.startRun(
      name: cfg.logging.runName, configJSON: resolved.jsonString(), seed: Int64(bitPattern: cfg.training.seed),
      sourceVocabularySize: data.sourceVocabulary.count, targetVocabularySize: data.targetVocabulary.count,
      trainPairs: data.train.count, blas: BLAS.summary)
    let runDirectory = (cfg.training.checkpointDir as NSString).appendingPathComponent(cfg.logging.runName)
    try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    let latestPath = (runDirectory as NSString).appendingPathComponent("latest.ckpt")
    let bestPath = (runDirectory as NSString).appendingPathComponent("best.ckpt")

    // Probe sentences: the first dev pairs; their attention is logged at every evaluation.
    let probeCount = min(cfg.logging.probes, data.dev.count)
    let probes = Array(data.dev.prefix(probeCount))
    try db.logProbes(runID: runID, probes: probes.map { ($0.source, $0.target) })

    var step = 0
    var bestBLEU = -1.0, bestStep = 0, lastBLEU = 0.0
    var lastEvaluatedStep = -1
    var trainingSeconds = 0.0, trainingTokens = 0
    var intervalLoss = 0.0, intervalTokens = 0, intervalStart = Date(), intervalSteps = 0
    var intervalNorm = 0.0
    var losses: [Double] = []
    let lr = Float(cfg.training.learningRate)
    let deadline = cfg.training.timeLimitMinutes > 0 ? wallStart.addingTimeInterval(cfg.training.timeLimitMinutes * 60) : nil

    func evaluate() throws {
      let evalStart = Date()
      let result = evaluator.evaluate(
        model, dev: data.dev, encoded: data.devEncoded, targetVocabulary: data.targetVocabulary,
        workspace: workspace)
      lastBLEU = result.bleu.score
      lastEvaluatedStep = step
      let elapsed = Date().timeIntervalSince(wallStart)
      try db.logEvaluation(
        runID: runID, step: step, devLoss: result.loss, bleu: result.bleu.score,
        bleuSignature: BLEU.signature, elapsedSeconds: elapsed)
      // Probe alignments.
      let translations = evaluator.translate(
        model, sources: probes.map { data.sourceVocabulary.encode($0.source) }, workspace: workspace)
      for (p, translation) in translations.enumerated() {
        let produced = translation.tokens.map { data.targetVocabulary.token($0) } + ["</s>"]
        try db.logAlignment(
          runID: runID, step: step, probe: p, sourceTokens: probes[p].source, targetTokens: produced,
          weights: translation.attention.flatMap { $0 })
      }
      let header = CheckpointHeader(
        experiment: resolved, model: modelConfig, sourceVocabulary: data.sourceVocabulary,
        targetVocabulary: data.targetVocabulary, runName: cfg.logging.runName, step: step,
        epoch: batcher.epoch, devBLEU: result.bleu.score, bestBLEU: max(bestBLEU, result.bleu.score),
        createdAt: ISO8601DateFormatter().string(from: Date()))
      try ModelCheckpoint.save(model, header: header, to: latestPath)
      let isBest = result.bleu.score > bestBLEU
      try db.logCheckpoint(runID: runID, step: step, path: latestPath, bleu: result.bleu.score, isBest: false)
      if isBest {
        bestBLEU = result.bleu.score
        bestStep = step
        try ModelCheckpoint.save(model, header: header, to: bestPath)
        try db.logCheckpoint(runID: runID, step: step, path: bestPath, bleu: result.bleu.score, isBest: true)
      }
      log(
        String(
          format: "eval  step %d  dev loss %.4f  BLEU %.2f%@  (%.1fs)", step, result.loss, result.bleu.score,
          isBest ? "  best" : "", Date().timeIntervalSince(evalStart)))
    }

    do {
      while true {
        if batcher.epoch >= cfg.training.epochs { break }
        if cfg.training.maxSteps > 0 && step >= cfg.training.maxSteps { break }
        if let deadline, Date() >= deadline { break }
        let batch = batcher.nextBatch()
        let stepStart = Date()
        model.parameters.zeroGradients()
        let (lossSum, tokens) = model.lossAndGradients(
          batch: batch, workspace: workspace, teacherForcing: Float(cfg.training.teacherForcing), rng: &rng)
        let norm = clipGradients(model.parameters, maxNorm: Float(cfg.training.clipNorm))
        adam.update(model.parameters, learningRate: lr)
        step += 1
        trainingSeconds += Date().timeIntervalSince(stepStart)
        trainingTokens += tokens
        intervalLoss += lossSum
        intervalTokens += tokens
        intervalSteps += 1
        intervalNorm += Double(norm)
        if step % cfg.logging.logEvery == 0 {
          let seconds = Date().timeIntervalSince(intervalStart)
          let meanLoss = intervalLoss / Double(intervalTokens)
          losses.append(meanLoss)
          let record = StepRecord(
            runID: runID, step: step, epoch: batcher.epoch, loss: meanLoss, perplexity: Foundation.exp(meanLoss),
            learningRate: Double(lr), gradNorm: intervalNorm / Double(intervalSteps),
            tokensPerSecond: Double(intervalTokens) / seconds, elapsedSeconds: Date().timeIntervalSince(wallStart))
          try db.logStep(record)
          log(
            String(
              format: "step %d  epoch %d  loss %.4f  ppl %.2f  |g| %.3f  %.0f tok/s  %.1fs", step, batcher.epoch + 1,
              meanLoss, record.perplexity, record.gradNorm, record.tokensPerSecond, record.elapsedSeconds))
          intervalLoss = 0
          intervalTokens = 0
          intervalSteps = 0
          intervalNorm = 0
          intervalStart = Date()
        }
        if step % cfg.training.evalEvery == 0 { try evaluate() }
      }
      if lastEvaluatedStep != step { try evaluate() }
      try db.flush()
      try db.finishRun(runID: runID, status: .completed, finalStep: step, bestBLEU: bestBLEU)
    } catch {
      try? db.flush()
      try? db.finishRun(runID: runID, status: .failed, finalStep: step, bestBLEU: bestBLEU >= 0 ? bestBLEU : nil)
      throw error
    }
    let total = Date().timeIntervalSince(wallStart)
    return TrainingSummary(
      runID: runID, runName: cfg.logging.runName, steps: step, epochs: batcher.epoch, bestBLEU: bestBLEU,
      bestStep: bestStep, lastBLEU: lastBLEU, latestCheckpoint: latestPath, bestCheckpoint: bestPath,
      seconds: total, tokensPerSecond: Double(trainingTokens) / max(trainingSeconds, 1e-9), losses: losses)
  }
}
