import AttendData

/// A run's progress: everything besides the parameters and Adam's moments that a checkpoint
/// must hold for training to continue exactly where it stopped (the header's `training_state`,
/// docs/checkpoint-format.md). Anything a training step or the schedule reads belongs here; a
/// field added later needs a default, which a checkpoint written before it gets on reading
/// (StoredJSON in CheckpointLoading.swift), so give it the value that reproduces the old behaviour.
public struct TrainingState: Codable, Equatable, Sendable {
  /// Optimiser steps taken.
  public var step: Int = 0
  /// Data order and position inside the epoch.
  public var batcher: BatcherState
  /// The generator behind teacher-forcing draws (and any other training-time randomness).
  public var randomState: [UInt64]
  /// The learning rate in force.
  public var learningRate: Double
  /// Best dev BLEU so far and the step it was reached at (nil before the first evaluation).
  public var bestBLEU: Double?
  public var bestStep: Int = 0
  /// Step of the last evaluation (-1: none yet).
  public var lastEvaluatedStep: Int = -1
  /// Training seconds so far, evaluation excluded (for throughput across resumes).
  public var trainingSeconds: Double = 0
  /// Target tokens trained on so far.
  public var trainingTokens: Int = 0
  /// The best value of `training.eval_metric` so far, reached at `bestStep` (nil before the first
  /// evaluation).
  public var bestMetric: Double? = nil
  /// Evaluations in a row without a better `eval_metric`: early stopping stops at `patience`.
  public var evaluationsWithoutImprovement: Int = 0
  /// The same count, restarted after each learning-rate reduction: a reduction comes at
  /// `lr_patience`.
  public var plateauEvaluations: Int = 0
  /// Per-epoch learning-rate decays applied so far (`lr_decay_start_epoch`): where the schedule
  /// stands, so a resumed run neither repeats nor skips one.
  public var epochDecays: Int = 0

  public init(batcher: BatcherState, randomState: [UInt64], learningRate: Double) {
    self.batcher = batcher
    self.randomState = randomState
    self.learningRate = learningRate
  }
}
