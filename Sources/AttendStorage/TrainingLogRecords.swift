/// Plain values written to and read from the training log (see `TrainingLogSchema`).

/// Where a run stands. The raw values are the `runs.status` column's allowed values.
public enum RunStatus: String, CaseIterable, Equatable, Sendable {
  case running, completed, interrupted, failed
}

/// One row of `steps`: the training loss and speed at an optimiser step.
public struct StepRecord: Equatable, Sendable {
  public var runID: Int64
  public var step: Int
  public var epoch: Int
  /// Mean cross-entropy per target token, nats.
  public var loss: Double
  public var perplexity: Double
  public var learningRate: Double
  /// Global L2 norm of the gradient before clipping.
  public var gradNorm: Double
  public var tokensPerSecond: Double
  /// Wall time since the run started.
  public var elapsedSeconds: Double

  public init(
    runID: Int64, step: Int, epoch: Int, loss: Double, perplexity: Double, learningRate: Double,
    gradNorm: Double, tokensPerSecond: Double, elapsedSeconds: Double
  ) {
    self.runID = runID
    self.step = step
    self.epoch = epoch
    self.loss = loss
    self.perplexity = perplexity
    self.learningRate = learningRate
    self.gradNorm = gradNorm
    self.tokensPerSecond = tokensPerSecond
    self.elapsedSeconds = elapsedSeconds
  }
}

/// One row of `evaluations`. NULL metrics (not measured, or NaN when logged) read as nil.
public struct EvaluationRecord: Equatable, Sendable {
  public var runID: Int64
  public var step: Int
  public var devLoss: Double?
  public var bleu: Double?
  public var bleuSignature: String?
  public var elapsedSeconds: Double?
  /// Corpus chrF, 0...100, and how it was computed.
  public var chrF: Double?
  public var chrFSignature: String?
  /// Alignment error rate against gold alignments, 0...1 (lower is better).
  public var aer: Double?

  public init(
    runID: Int64, step: Int, devLoss: Double?, bleu: Double?, bleuSignature: String?,
    elapsedSeconds: Double?, chrF: Double? = nil, chrFSignature: String? = nil, aer: Double? = nil
  ) {
    self.runID = runID
    self.step = step
    self.devLoss = devLoss
    self.bleu = bleu
    self.bleuSignature = bleuSignature
    self.elapsedSeconds = elapsedSeconds
    self.chrF = chrF
    self.chrFSignature = chrFSignature
    self.aer = aer
  }
}

/// One row of `checkpoints`.
public struct CheckpointRecord: Equatable, Sendable {
  public var runID: Int64
  public var step: Int
  public var path: String
  public var bleu: Double?
  /// True on the run's current best checkpoint only.
  public var isBest: Bool
  /// ISO-8601 UTC.
  public var createdAt: String
}

/// A run as `attend runs` lists it: the `runs` row plus its progress.
public struct RunSummary: Equatable, Sendable {
  public var id: Int64
  public var name: String
  /// The resolved configuration, JSON.
  public var configJSON: String
  public var seed: Int64?
  public var sourceVocabularySize: Int?
  public var targetVocabularySize: Int?
  public var trainPairs: Int?
  /// The kernels that ran: `BLAS.summary` at the start of the run.
  public var blas: String?
  /// ISO-8601 UTC.
  public var startedAt: String
  /// ISO-8601 UTC; nil while running and for runs found interrupted.
  public var endedAt: String?
  public var status: RunStatus
  public var finalStep: Int?
  /// Best dev BLEU: from the evaluations when there are any, else as recorded at finish.
  public var bestBLEU: Double?
  /// The step of the best evaluation.
  public var bestBLEUStep: Int?
  /// The last logged training step and its loss.
  public var lastStep: Int?
  public var lastLoss: Double?
  public var devPairs: Int?
  /// Times the run was continued with `attend train --resume`.
  public var resumeCount: Int = 0
  /// Best (highest) dev chrF and best (lowest) AER over the run's evaluations.
  public var bestChrF: Double?
  public var bestAER: Double?
  /// Dev loss of the latest evaluation.
  public var lastDevLoss: Double?
  public var evaluationCount: Int = 0
  /// The processor the run started on (`CPUDescription.summary` and its features); nil for runs
  /// logged before schema version 3.
  public var cpu: String?
}

/// One row of `probes`: a fixed dev sentence whose attention is logged at each evaluation.
public struct ProbeRecord: Equatable, Sendable {
  public var runID: Int64
  /// 0-based index, as in `alignments.probe`.
  public var probe: Int
  public var source: [String]
  public var reference: [String]

  public init(runID: Int64, probe: Int, source: [String], reference: [String]) {
    self.runID = runID
    self.probe = probe
    self.source = source
    self.reference = reference
  }
}

/// A probe's attention at one step, as a matrix: the `alignments` rows of one (run, step, probe).
public struct AlignmentRecord: Equatable, Sendable {
  public var runID: Int64
  public var step: Int
  public var probe: Int
  public var sourceTokens: [String]
  /// The tokens the model produced (the last is usually `</s>`).
  public var targetTokens: [String]
  /// Row-major [targetTokens.count × sourceTokens.count]; each row sums to 1. A weight stored as
  /// NULL (a NaN when it was logged) reads as NaN.
  public var weights: [Double]

  public init(
    runID: Int64, step: Int, probe: Int, sourceTokens: [String], targetTokens: [String],
    weights: [Double]
  ) {
    precondition(weights.count == sourceTokens.count * targetTokens.count, "weights must be T × S")
    self.runID = runID
    self.step = step
    self.probe = probe
    self.sourceTokens = sourceTokens
    self.targetTokens = targetTokens
    self.weights = weights
  }

  /// The weight of target position `t` on source position `s`.
  public func weight(target t: Int, source s: Int) -> Double { weights[t * sourceTokens.count + s] }
}
