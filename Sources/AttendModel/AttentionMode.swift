/// How one decoder step turns scores into a context. A pass's mode is given to
/// `Workspace.prepare`: training and dev loss use the config's τ, search passes its own.
public struct AttentionMode: Sendable, Equatable {
  /// τ: scores are divided by it before normalising (τ → 0 sharpens, large τ flattens).
  public var temperature: Float
  /// Decoding only: the weights become one-hot on the most-attended position, so the context is
  /// that single source state (per head).
  public var hard: Bool

  public init(temperature: Float = 1, hard: Bool = false) {
    self.temperature = temperature
    self.hard = hard
  }
}

extension ModelConfig {
  /// The attention mode a pass of `mode` uses unless it is given one: τ_train for training and
  /// dev loss; `decoding_temperature` and `hard_attention` for search.
  public func attentionMode(for mode: ForwardMode) -> AttentionMode {
    mode == .decoding
      ? AttentionMode(temperature: Float(decodingTemperature), hard: hardAttention)
      : AttentionMode(temperature: Float(attentionTemperature))
  }
}
