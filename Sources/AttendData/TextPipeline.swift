/// How the text of one side becomes model tokens, and model tokens become text again:
/// a `Tokenizer` (normalisation, lowercasing, punctuation splitting) then, optionally, byte-pair
/// segmentation.
public struct TextProcessor: Codable, Equatable, Sendable {
  public var tokenizer: Tokenizer
  /// Subword merges; nil when the model's tokens are whole words.
  public var bpe: BytePairEncoding?

  public init(tokenizer: Tokenizer, bpe: BytePairEncoding? = nil) {
    self.tokenizer = tokenizer
    self.bpe = bpe
  }

  /// The model tokens of `line`.
  public func pieces(_ line: String) -> [String] {
    let tokens = tokenizer.tokenize(line)
    return bpe?.apply(tokens) ?? tokens
  }

  /// The model tokens of many lines (distinct words are segmented once).
  public func pieces(lines: [String]) -> [[String]] {
    let tokens = lines.map(tokenizer.tokenize)
    return bpe?.apply(sentences: tokens) ?? tokens
  }

  /// The text of model tokens: subwords merged, punctuation reattached.
  public func text(_ pieces: [String]) -> String {
    tokenizer.detokenize(pieces)
  }

  /// `line` as a perfect output would spell it (normalised, lowercased if the processor
  /// lowercases): the reference that output text is scored against.
  public func reference(_ line: String) -> String {
    tokenizer.detokenize(tokenizer.tokenize(line))
  }
}

/// The preprocessing of both sides of a model, stored in its checkpoints so that translation
/// prepares text exactly as training did.
public struct TextPreprocessing: Codable, Equatable, Sendable {
  public var source: TextProcessor
  public var target: TextProcessor

  public init(source: TextProcessor, target: TextProcessor) {
    self.source = source
    self.target = target
  }

  /// What Attend did before preprocessing was configurable: whole words split at whitespace,
  /// optionally lowercased. Used for checkpoints that do not store their preprocessing.
  public static func wholeWords(lowercase: Bool) -> TextPreprocessing {
    let processor = TextProcessor(tokenizer: Tokenizer(lowercase: lowercase))
    return TextPreprocessing(source: processor, target: processor)
  }
}

/// Lines in, ids out, and back: a model's preprocessing with its vocabularies.
public struct TextPipeline: Sendable {
  public var preprocessing: TextPreprocessing
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary

  public init(
    preprocessing: TextPreprocessing, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary
  ) {
    self.preprocessing = preprocessing
    self.sourceVocabulary = sourceVocabulary
    self.targetVocabulary = targetVocabulary
  }

  /// The model tokens of a source line (the labels of the attention's source axis).
  public func sourcePieces(_ line: String) -> [String] {
    preprocessing.source.pieces(line)
  }

  /// The ids of a source line, without `<s>`/`</s>`; unknown pieces are `<unk>`. Empty when
  /// the line has no tokens.
  public func encodeSource(_ line: String) -> [Int32] {
    sourceVocabulary.encode(sourcePieces(line))
  }

  /// The model tokens of a target line (a reference, for teacher-forced attention).
  public func targetPieces(_ line: String) -> [String] {
    preprocessing.target.pieces(line)
  }

  /// The model tokens of an output (up to `</s>`, without padding or `<s>`).
  public func targetPieces(_ ids: [Int32]) -> [String] {
    targetVocabulary.decode(ids)
  }

  /// The text of output tokens: subwords merged and punctuation reattached.
  public func text(_ pieces: [String]) -> String {
    preprocessing.target.text(pieces)
  }

  /// The text of an output.
  public func decodeTarget(_ ids: [Int32]) -> String {
    text(targetPieces(ids))
  }

  /// A reference translation as the output is written (see `TextProcessor.reference`).
  public func targetReference(_ line: String) -> String {
    preprocessing.target.reference(line)
  }
}
