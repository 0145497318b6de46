/// The `model` section's keys (ConfigKey.swift): the loader, the range checks, the stored JSON and
/// docs/config-reference.md all come from this list. The defaults are the properties' initial
/// values in ModelConfig.swift; combinations of keys are checked in ModelConfigValidation.swift.
extension ModelConfig: DeclaredConfig {
  public static let keys: [ConfigKey<ModelConfig>] = [
    .integer("embedding_size", \.embeddingSize, atLeast: 1,
      "E: word embedding size, for source and target"),
    .integer("hidden_size", \.hiddenSize, atLeast: 1,
      "H: GRU state size of each encoder direction and of each decoder layer"),
    .integer("attention_size", \.attentionSize, atLeast: 1,
      "A: hidden size of the additive scores (`bahdanau`, `concat`) and of local-p's position network"),
    .bool("bidirectional", \.bidirectional,
      "the encoder reads the source both ways and concatenates the states (annotations 2H wide)"),
    .choice("attention", \.attention,
      "score function: `bahdanau` (additive, Bahdanau et al. 2014); Luong et al. 2015: `dot`, `general`, `concat` (additive); `scaled-dot` (dot / √d, Vaswani et al. 2017). `dot` and `scaled-dot` need `bidirectional: false`"),
    .choice("decoder", \.decoderChoice, unset: "the score's paper order",
      "decoder order: `bahdanau` (attend with s_{i-1}, context into the GRU, readout layer) or `luong` (GRU step first, then attention and h̃ = tanh(W_c [c; h])). Omitted: `bahdanau` for `attention: bahdanau`, `luong` for the others. Every score runs in either order"),
    .choice("decoder_init", \.decoderInit,
      "the decoder's initial state: `bridge` (tanh(W h_final + b)), `last` (h_final itself; needs `bidirectional: false`), `mean` (tanh(W mean_j h̄_j + b), as Nematus), `zero`"),
    .integer("encoder_layers", \.encoderLayers, atLeast: 1,
      "stacked encoder GRU layers (each bidirectional if `bidirectional`)"),
    .integer("decoder_layers", \.decoderLayers, atLeast: 1,
      "stacked decoder GRU layers (all start from the same initial state; attention uses the top one)"),
    .number("dropout", \.dropout, .belowOne,
      "inverted dropout on the embeddings and between stacked layers, in training only (masks drawn from `training.seed`)"),
    .integer("attention_heads", \.attentionHeads, atLeast: 1,
      "heads; each scores on its own slice of the query/key projections, the heads' contexts (of W_V-projected states) are concatenated and projected by W_O. Must divide `attention_size` (additive scores) or `hidden_size` (the others), and the encoder state width"),
    .choice("attention_normalizer", \.attentionNormalizer,
      "`softmax`, or `sparsemax` (Martins & Astudillo 2016: exact zeros)"),
    .choice("attention_window", \.attentionWindow,
      "`global` (every source word), `local-m` (window around position t), `local-p` (window around a predicted position, Gaussian-weighted) (Luong et al. 2015)"),
    .integer("window_half_width", \.windowHalfWidth, atLeast: 1,
      "D: a local window covers positions p − D … p + D (only with `local-m`, `local-p`)"),
    .bool("input_feeding", \.inputFeeding,
      "Luong decoder: h̃_{t-1} joins the GRU input at step t (only with a Luong `attention`)"),
    .number("attention_temperature", \.attentionTemperature, .positive,
      "τ in training and for the dev loss: scores are divided by τ before normalising"),
    .number("decoding_temperature", \.decodingTemperature, .positive,
      "τ when decoding (dev BLEU, `attend translate`, `attend eval`); τ → 0 approaches hard attention, large τ uniform attention"),
    .bool("hard_attention", \.hardAttention,
      "when decoding, the context is the single most-attended source state"),
    .bool("tie_embeddings", \.tieEmbeddings,
      "the output projection reuses the target embedding matrix; with `decoder: luong` needs `hidden_size` = `embedding_size`"),
    .choice("weight_init", \.weightInit,
      "initialisation of the non-recurrent weight matrices: `xavier` (Glorot uniform, per gate block), `uniform` (U(±`init_range`)), `orthogonal`"),
    .choice("recurrent_init", \.recurrentInit,
      "initialisation of the GRU recurrent matrices W_hh: `xavier`, `uniform`, `orthogonal` (each H×H gate block orthogonal, Saxe et al. 2014)"),
    .number("init_range", \.initRange, .positive,
      "bound of the embeddings' U(−r, r) and of `uniform` weights; biases start at 0"),
    .integer("source_vocabulary_size", \.sourceVocabularySize, atLeast: 0, "Vs: source vocabulary size, specials included (from the data)")
      .storedOnlyKey(),
    .integer("target_vocabulary_size", \.targetVocabularySize, atLeast: 0, "Vt: target vocabulary size, specials included (from the data)")
      .storedOnlyKey(),
  ]

  public static var defaults: ModelConfig { ModelConfig() }

  /// Reads a stored config (checkpoint header, logged run): a key the JSON lacks, written by an
  /// older Attend, keeps its default.
  public init(from decoder: Swift.Decoder) throws { try self.init(declaredFrom: decoder) }

  public func encode(to encoder: Swift.Encoder) throws { try encodeDeclared(to: encoder) }
}
