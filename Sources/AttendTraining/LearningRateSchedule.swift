// The learning rate in force: `training.learning_rate` at the start, then two reductions, both
// recorded in `TrainingState` so a resumed run continues the schedule exactly:
// - per epoch (`lr_decay_start_epoch`, `lr_decay_factor`): after epoch N and after every later
//   epoch, lr ← lr · factor; Luong et al. 2015 trained with SGD at lr 1.0 and halved it after each
//   epoch from the fifth on (N = 5, factor 0.5), so epochs 1–5 run at 1.0, epoch 6 at 0.5, …;
// - on a plateau (`lr_patience`, `lr_reduction_factor`): after that many evaluations in a row
//   without a better `eval_metric`, lr ← lr · factor (Trainer.recordEvaluation).
// Neither takes the rate below `min_learning_rate`. Both work with either optimizer.

extension TrainingState {
  /// Applies the per-epoch decays due before a step of epoch `completedEpochs + 1` that are not
  /// applied yet; returns whether the rate changed.
  mutating func applyEpochDecays(completedEpochs: Int, training t: TrainingConfig) -> Bool {
    guard t.lrDecayStartEpoch > 0 else { return false }
    let due = max(0, completedEpochs - t.lrDecayStartEpoch + 1)
    let before = learningRate
    while epochDecays < due {
      learningRate = max(t.minLearningRate, learningRate * t.lrDecayFactor)
      epochDecays += 1
    }
    return learningRate != before
  }
}
