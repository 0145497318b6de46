import Foundation

/// The mapping between tokens and ids for one side of a corpus.
///
/// Ids 0…3 are always `<pad>`, `<unk>`, `<s>`, `</s>` (see `SpecialToken`); the corpus tokens
/// follow. Lookups never fail: an unknown token is `<unk>`, an id out of range reads as `<unk>`.
/// Only `tokens` is encoded, so a vocabulary stored in a checkpoint is its token list.
public struct Vocabulary: Codable, Equatable, Sendable {
  /// All tokens in id order, the four special tokens first.
  public let tokens: [String]
  private let ids: [String: Int32]

  /// A vocabulary over `tokens`, which must start with the four special tokens in their fixed
  /// order and must be unique, non-empty and free of whitespace.
  public init(tokens: [String]) throws {
    let specials = SpecialToken.strings
    guard tokens.count >= specials.count, Array(tokens.prefix(specials.count)) == specials else {
      throw DataError.invalidVocabulary(
        reason: "expected the first tokens to be \(specials.joined(separator: " ")), found "
          + (tokens.prefix(specials.count).joined(separator: " ").isEmpty
            ? "none" : tokens.prefix(specials.count).joined(separator: " ")))
    }
    var ids: [String: Int32] = [:]
    ids.reserveCapacity(tokens.count)
    for (i, token) in tokens.enumerated() {
      if token.isEmpty || token.contains(where: \.isWhitespace) {
        throw DataError.invalidVocabulary(
          reason: "token \(i) is \"\(token)\"; expected a non-empty token without whitespace")
      }
      if let first = ids[token] {
        throw DataError.invalidVocabulary(
          reason: "token \"\(token)\" appears twice (ids \(first) and \(i)); expected unique tokens")
      }
      ids[token] = Int32(i)
    }
    self.tokens = tokens
    self.ids = ids
  }

  /// Builds a vocabulary from tokenised sentences.
  ///
  /// Tokens seen fewer than `minFrequency` times are left out; `maxSize` (0 = no limit) caps the
  /// size including the four specials. Order: frequency descending, then the token's string
  /// ascending, so the result depends only on the counts, never on hashing or input order.
  /// Special-token strings in the text are not counted (they already have their ids).
  public static func build(
    from sentences: [[String]], minFrequency: Int = 1, maxSize: Int = 0
  ) -> Vocabulary {
    var counts: [String: Int] = [:]
    for sentence in sentences {
      for token in sentence { counts[token, default: 0] += 1 }
    }
    for special in SpecialToken.strings { counts[special] = nil }
    var ranked = counts.filter { $0.value >= max(1, minFrequency) }
      .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      .map(\.key)
    if maxSize > 0 {
      ranked = Array(ranked.prefix(max(0, maxSize - SpecialToken.strings.count)))
    }
    // Tokens from a `Tokenizer` are unique, non-empty and without whitespace by construction.
    return try! Vocabulary(tokens: SpecialToken.strings + ranked)
  }

  /// The number of tokens, specials included (V).
  public var count: Int { tokens.count }

  /// The id of `token`, or `SpecialToken.unk` if it is not in the vocabulary.
  public func id(_ token: String) -> Int32 {
    ids[token] ?? SpecialToken.unk
  }

  /// The ids of `tokens`, unknown tokens as `<unk>`. Adds no `<s>` or `</s>`.
  public func encode(_ tokens: [String]) -> [Int32] {
    tokens.map(id)
  }

  /// The token with id `id`, or `<unk>` if the id is out of range.
  public func token(_ id: Int32) -> String {
    id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : SpecialToken.strings[Int(SpecialToken.unk)]
  }

  /// The tokens of a model output: stops at the first `</s>`, skips `<pad>` and `<s>`, keeps
  /// `<unk>`.
  public func decode(_ ids: [Int32]) -> [String] {
    var result: [String] = []
    for id in ids {
      if id == SpecialToken.eos { break }
      if id == SpecialToken.pad || id == SpecialToken.bos { continue }
      result.append(token(id))
    }
    return result
  }

  public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool {
    lhs.tokens == rhs.tokens
  }

  private enum CodingKeys: String, CodingKey {
    case tokens
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let tokens = try container.decode([String].self, forKey: .tokens)
    do {
      try self.init(tokens: tokens)
    } catch let error as DataError {
      throw DecodingError.dataCorruptedError(
        forKey: .tokens, in: container, debugDescription: error.description)
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(tokens, forKey: .tokens)
  }
}

/// How well a vocabulary covers the text it was built from and the dev text: the counts a run
/// reports so that a too-small vocabulary (many `<unk>`) is visible before training.
public struct VocabularyReport: Equatable, Sendable {
  /// "source" or "target".
  public var side: String
  /// Distinct tokens in the training text (special-token strings excluded).
  public var types: Int
  /// Tokens kept in the vocabulary, the four specials excluded.
  public var kept: Int
  /// Running tokens in the training text, and how many of them became `<unk>`.
  public var trainTokens: Int
  public var trainUnknown: Int
  /// Running tokens in the dev text, and how many of them became `<unk>`.
  public var devTokens: Int
  public var devUnknown: Int

  /// Counts `sentences` (training) and `dev` against `vocabulary`.
  public init(side: String, vocabulary: Vocabulary, train: [[String]], dev: [[String]]) {
    self.side = side
    var distinct = Set<String>()
    var (trainTokens, trainUnknown) = (0, 0)
    for sentence in train {
      for token in sentence {
        distinct.insert(token)
        trainTokens += 1
        if vocabulary.id(token) == SpecialToken.unk { trainUnknown += 1 }
      }
    }
    for special in SpecialToken.strings { distinct.remove(special) }
    var (devTokens, devUnknown) = (0, 0)
    for sentence in dev {
      for token in sentence {
        devTokens += 1
        if vocabulary.id(token) == SpecialToken.unk { devUnknown += 1 }
      }
    }
    types = distinct.count
    kept = vocabulary.count - SpecialToken.strings.count
    self.trainTokens = trainTokens
    self.trainUnknown = trainUnknown
    self.devTokens = devTokens
    self.devUnknown = devUnknown
  }

  /// "source vocabulary: 4,120 of 5,210 types kept (+4 specials); <unk>: 1.20% of train tokens
  /// (1,234 of 102,800), 3.40% of dev tokens (170 of 5,000)".
  public var summary: String {
    func percent(_ part: Int, _ whole: Int) -> String {
      String(format: "%.2f%%", whole > 0 ? 100 * Double(part) / Double(whole) : 0)
    }
    return "\(side) vocabulary: \(kept) of \(types) types kept (+\(SpecialToken.strings.count) specials); "
      + "<unk>: \(percent(trainUnknown, trainTokens)) of train tokens (\(trainUnknown) of \(trainTokens)), "
      + "\(percent(devUnknown, devTokens)) of dev tokens (\(devUnknown) of \(devTokens))"
  }
}
