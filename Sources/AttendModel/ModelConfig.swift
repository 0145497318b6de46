/// The attention mechanisms Attend implements. One enum for config, CLI and checkpoint.
public enum AttentionKind: String, Codable, CaseIterable, Sendable {
  /// Bahdanau et al. 2014: e_ij = v_a · tanh(W_a s_{i-1} + U_a h_j), context fed into the GRU.
  case bahdanau
}

/// How the decoder's first state is made from the encoder.
public enum DecoderInit: String, Codable, CaseIterable, Sendable {
  /// tanh(W_b h_final + b_b), where h_final is the encoder's final state (both directions).
  case bridge
}

/// Sizes and choices that fix the shape of a model. Vocabulary sizes come from the data.
public struct ModelConfig: Codable, Equatable, Sendable {
  /// E: word embedding size, for source and target.
  public var embeddingSize: Int = 128
  /// H: GRU state size of each encoder direction and of the decoder.
  public var hiddenSize: Int = 128
  /// A: size of the attention's hidden layer (Bahdanau's W_a, U_a output size).
  public var attentionSize: Int = 128
  /// Encoder reads the source both ways and concatenates the states (context size 2H).
  public var bidirectional: Bool = true
  public var attention: AttentionKind = .bahdanau
  public var decoderInit: DecoderInit = .bridge
  /// Vs, Vt: vocabulary sizes, special tokens included.
  public var sourceVocabularySize: Int = 0
  public var targetVocabularySize: Int = 0

  public init() {}

  /// C: size of an encoder state as the attention sees it.
  public var contextSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }
}
