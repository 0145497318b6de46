import AttendCheckpoint

// Every number of a training checkpoint's header is range-checked when it is read, and a
// number out of range is refused naming its field: a forged or damaged header must not reach
// training as a step count of 2^62 or a negative data position (docs/reliability.md).

extension TrainingState {
  /// The largest step count a header may hold: a trillion steps is far beyond any run on a CPU,
  /// so anything larger is a forged or damaged header.
  public static let maximumStep = 1 << 40
}

extension TrainingCheckpointHeader {
  /// The first field out of range, as "optimizer.step is 4611686018427387904, expected 0…1099511627776",
  /// spelled as the file spells it; nil when every number is in range.
  public func rangeProblem() -> String? {
    let maxStep = TrainingState.maximumStep
    var checks: [(field: String, value: Double?, range: ClosedRange<Double>)] = [
      ("step", Double(common.step), 0...Double(maxStep)),
      ("epoch", Double(common.epoch), 0...Double(maxStep)),
      ("dev_bleu", common.devBLEU, 0...100),
      ("best_bleu", common.bleuAtBest, 0...100),
    ]
    if let state = trainingState {
      checks += [
        ("training_state.step", Double(state.step), 0...Double(maxStep)),
        ("training_state.best_step", Double(state.bestStep), 0...Double(state.step)),
        ("training_state.last_evaluated_step", Double(state.lastEvaluatedStep), -1...Double(state.step)),
        ("training_state.learning_rate", state.learningRate, 0...Double.greatestFiniteMagnitude),
        ("training_state.best_bleu", state.bleuAtBest, 0...100),
        ("training_state.training_seconds", state.trainingSeconds, 0...Double.greatestFiniteMagnitude),
        ("training_state.training_tokens", Double(state.trainingTokens), 0...Double(Int.max)),
        ("training_state.evaluations_without_improvement", Double(state.evaluationsWithoutImprovement), 0...Double(maxStep)),
        ("training_state.plateau_evaluations", Double(state.plateauEvaluations), 0...Double(maxStep)),
        ("training_state.epoch_decays", Double(state.epochDecays), 0...Double(maxStep)),
        ("training_state.batcher.epoch", Double(state.batcher.epoch), 0...Double(maxStep)),
        ("training_state.batcher.position", Double(state.batcher.position), 0...Double(maxStep)),
      ]
      if let metric = state.bestMetric, metric.isNaN { return "training_state.best_metric is nan, expected a number" }
    }
    let belowOne = Double(Float(1).nextDown)
    if let optimizer {
      // Every optimizer update is one training step: the two counts move together.
      let steps = Double(trainingState?.step ?? optimizer.step)
      checks += [
        ("optimizer.step", Double(optimizer.step), steps...steps),
        ("optimizer.beta1", optimizer.beta1.map(Double.init), 0...belowOne),
        ("optimizer.beta2", optimizer.beta2.map(Double.init), 0...belowOne),
        ("optimizer.epsilon", optimizer.epsilon.map(Double.init), 0...1),
        ("optimizer.momentum", optimizer.momentum.map(Double.init), 0...belowOne),
      ]
    }
    for check in checks {
      guard let value = check.value, !check.range.contains(value) else { continue }
      return "\(check.field) is \(Self.text(value)), expected \(Self.text(check.range.lowerBound))…\(Self.text(check.range.upperBound))"
        + (check.field == "optimizer.step" ? " (training_state.step)" : "")
    }
    return nil
  }

  /// Whole numbers without a fraction ("1099511627776", not "1.099511627776e+12").
  private static func text(_ value: Double) -> String {
    if value.isFinite && value.rounded() == value && abs(value) < 0x1p63 { return String(Int64(value)) }
    if value == .greatestFiniteMagnitude { return "∞" }
    return "\(value)"
  }
}
