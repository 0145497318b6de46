/// The attention score functions Attend implements, each with the decoder order of the paper
/// that introduced it. One enum for config, CLI and checkpoint; docs/attention.md has the equations.
public enum AttentionKind: String, Codable, CaseIterable, Sendable {
  /// Bahdanau et al. 2014: e_ij = v_a · tanh(W_a s_{i-1} + U_a h_j); query = previous decoder
  /// state, context fed into the GRU.
  case bahdanau
  /// Luong et al. 2015, `dot`: score(h_t, h̄_s) = h_t · h̄_s (GRU step first, then attention).
  case dot
  /// Luong `general`: score = h_t · W_a h̄_s.
  case general
  /// Luong `concat`: score = v_a · tanh(W_a [h_t; h̄_s]) (additive, in Luong's order).
  case concat
  /// Vaswani et al. 2017: h_t · h̄_s / √d, in Luong's order (d: width of one head's vectors).
  case scaledDot = "scaled-dot"

  /// The decoder order of the paper that introduced the kind: what `ModelConfig.decoder` is
  /// when a config does not choose one.
  public var order: DecoderOrder { self == .bahdanau ? .bahdanau : .luong }
  /// Additive scores (v · tanh(W q + U k)) need a projected query; the others read it raw.
  public var isAdditive: Bool { self == .bahdanau || self == .concat }
}

/// When the decoder attends, relative to its GRU step.
public enum DecoderOrder: String, Codable, CaseIterable, Sendable {
  /// Attention on s_{i-1}; the context is part of the GRU input; a readout layer makes the output.
  case bahdanau
  /// GRU step first; attention on the new h_t; h̃_t = tanh(W_c [c_t; h_t]) makes the output and,
  /// with input feeding, joins the next step's input.
  case luong
}

/// What turns scores into attention weights.
public enum AttentionNormalizer: String, Codable, CaseIterable, Sendable {
  case softmax
  /// Martins & Astudillo 2016: the Euclidean projection onto the simplex; exact zeros.
  case sparsemax
}

/// Which source positions a decoder step may attend to.
public enum AttentionWindow: String, Codable, CaseIterable, Sendable {
  /// Every real source position.
  case global
  /// Luong's local-m: positions within D of p_t = t (clipped to the sentence).
  case localM = "local-m"
  /// Luong's local-p: p_t = (S − 1) · σ(v_p · tanh(W_p h_t)); positions within D of p_t, weights
  /// multiplied by a Gaussian exp(−(s − p_t)² / (2σ²)), σ = D / 2.
  case localP = "local-p"
}

/// How the decoder's first state is made from the encoder (every decoder layer starts from it).
public enum DecoderInit: String, Codable, CaseIterable, Sendable {
  /// tanh(W_b h_final + b_b), where h_final is the top encoder layer's final state (both directions).
  case bridge
  /// The top encoder layer's final state itself (needs it to be as wide as the decoder state).
  case last
  /// tanh(W_b mean_j h̄_j + b_b), the mean over real positions (Nematus).
  case mean
  /// Zeros.
  case zero
}

/// How a weight matrix is initialised. Biases start at zero whatever the scheme.
public enum InitScheme: String, Codable, CaseIterable, Sendable {
  /// U(−init_range, init_range).
  case uniform
  /// Glorot & Bengio: U(±√(6 / (fan_in + fan_out))), per gate block for GRU weights.
  case xavier
  /// Saxe et al.: a random (semi-)orthogonal matrix, per gate block for GRU weights.
  case orthogonal
}

/// Sizes and choices that fix a model: its shape, its attention and its initialisation. Vocabulary
/// sizes come from the data. Every field has a default, and decoding a stored config (a checkpoint
/// header, a logged run) fills fields it lacks with those defaults, so older checkpoints still load.
/// The keys are declared in ModelConfigKeys.swift; `problems()` (ModelConfigValidation.swift)
/// lists invalid values and combinations.
public struct ModelConfig: Equatable, Sendable {
  /// E: word embedding size, for source and target.
  public var embeddingSize: Int = 128
  /// H: GRU state size of each encoder direction and of the decoder.
  public var hiddenSize: Int = 128
  /// A: size of the additive attention's hidden layer (W_a, U_a output size) and of local-p's W_p.
  public var attentionSize: Int = 128
  /// Encoder reads the source both ways and concatenates the states (context size 2H).
  public var bidirectional: Bool = true
  /// The score function.
  public var attention: AttentionKind = .bahdanau
  /// The decoder order; nil (not written) means the attention kind's paper order. Kept optional so
  /// a config or checkpoint header that omits `decoder` stays exactly as it was.
  public var decoderChoice: DecoderOrder? = nil
  public var decoderInit: DecoderInit = .bridge
  /// Stacked GRU layers in the encoder (each bidirectional if `bidirectional`) and the decoder.
  public var encoderLayers: Int = 1
  public var decoderLayers: Int = 1
  /// Inverted dropout rate on the embeddings and between stacked layers, in training only.
  public var dropout: Double = 0
  /// Attention heads: each scores on its own slice of the query/key projections; the heads'
  /// contexts (over W_V-projected states) are concatenated and projected by W_O.
  public var attentionHeads: Int = 1
  public var attentionNormalizer: AttentionNormalizer = .softmax
  public var attentionWindow: AttentionWindow = .global
  /// D: half-width of a local attention window (local-m, local-p).
  public var windowHalfWidth: Int = 10
  /// Luong decoder: h̃_{t-1} joins the GRU input at step t.
  public var inputFeeding: Bool = true
  /// τ during training and dev loss: scores are divided by τ before normalising.
  public var attentionTemperature: Double = 1
  /// τ when decoding (greedy or beam search).
  public var decodingTemperature: Double = 1
  /// When decoding, the context is the single most-attended source state.
  public var hardAttention: Bool = false
  /// The output projection reuses the target embedding matrix (its input must be E wide).
  public var tieEmbeddings: Bool = false
  /// Initialisation of the non-recurrent weight matrices and of the recurrent (W_hh) ones;
  /// `initRange` bounds the embeddings and `uniform` matrices.
  public var weightInit: InitScheme = .xavier
  public var recurrentInit: InitScheme = .xavier
  public var initRange: Double = 0.1
  /// Vs, Vt: vocabulary sizes, special tokens included.
  public var sourceVocabularySize: Int = 0
  public var targetVocabularySize: Int = 0

  public init() {}

  /// When the decoder attends: the config's `decoder`, or the attention kind's paper order
  /// (bahdanau → bahdanau, every other kind → luong) when it has none.
  public var decoder: DecoderOrder {
    get { decoderChoice ?? attention.order }
    set { decoderChoice = newValue }
  }

  /// C: size of an encoder state as the attention sees it.
  public var contextSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }
}
