/// One reason a `ModelConfig` cannot make a model: the config key to change (snake_case, as in the
/// `model` section of an experiment file) and a message that says what to change.
public struct ModelConfigProblem: Error, Equatable, Sendable, CustomStringConvertible {
  /// The key the message is about, e.g. "attention_heads"; the config loader reports its line.
  public var key: String
  public var message: String

  public var description: String { "model.\(key): \(message)" }
}

extension ModelConfig {
  /// Every invalid value and combination, in key order; empty when a model can be built.
  ///
  /// `explicitKeys` are the keys the user wrote (snake_case): a key that only matters for other
  /// choices (`input_feeding` without a Luong decoder, `window_half_width` with global attention)
  /// is an error when written, since the user evidently expects it to act, and is ignored when it
  /// merely holds its default.
  public func problems(explicitKeys: Set<String> = []) -> [ModelConfigProblem] {
    var found: [ModelConfigProblem] = []
    func problem(_ key: String, _ message: String) { found.append(ModelConfigProblem(key: key, message: message)) }
    let h = hiddenSize, c = contextSize
    let widths = "bidirectional: \(bidirectional) makes the encoder states \(c) wide, hidden_size \(h)"

    for (key, message) in rangeProblems() { problem(key, message) }
    guard found.isEmpty else { return found }

    if (attention == .dot || attention == .scaledDot) && c != h {
      // The query is the decoder state in either order: s_{i-1} (Bahdanau) or h_t (Luong).
      let query = decoder == .bahdanau ? "s_{i-1}" : "h_t"
      problem(
        "attention",
        "'\(attention.rawValue)' scores \(query) · h̄_s (decoder: \(decoder.rawValue)), so the encoder states "
          + "must be as wide as the decoder state, but \(widths); set bidirectional: false, or use general or "
          + "concat (they project the states)")
    }
    if decoderInit == .last && c != h {
      problem(
        "decoder_init",
        "'last' copies the encoder's final state into the decoder, but \(widths); "
          + "set bidirectional: false, or use bridge or mean")
    }
    if attentionHeads > 1 {
      let split = attention.isAdditive ? attentionSize : h
      let splitName = attention.isAdditive ? "attention_size" : "hidden_size"
      if split % attentionHeads != 0 {
        problem(
          "attention_heads",
          "\(attentionHeads) heads must divide the \(attention.rawValue) score's width (\(splitName) = \(split)); "
            + "choose a divisor of \(split)")
      } else if c % attentionHeads != 0 {
        problem(
          "attention_heads",
          "\(attentionHeads) heads must divide the encoder state width (\(c)); choose a divisor of \(c)")
      }
    }
    if tieEmbeddings && decoder == .luong && h != embeddingSize {
      problem(
        "tie_embeddings",
        "the Luong decoder's output layer reads h̃_t (hidden_size = \(h) wide) but the target embeddings are "
          + "embedding_size = \(embeddingSize) wide; make them equal or set tie_embeddings: false")
    }
    if explicitKeys.contains("input_feeding") && decoder != .luong {
      problem(
        "input_feeding",
        "input feeding belongs to Luong's decoder order (decoder: luong, the default for attention: dot, "
          + "general, concat or scaled-dot); in Bahdanau's order (attention: \(attention.rawValue), decoder: "
          + "bahdanau) the context already enters the GRU; remove input_feeding or set decoder: luong")
    }
    if explicitKeys.contains("window_half_width") && attentionWindow == .global {
      problem(
        "window_half_width",
        "the window half-width D applies to attention_window: local-m or local-p; set one of them or remove window_half_width")
    }
    return found
  }
}
