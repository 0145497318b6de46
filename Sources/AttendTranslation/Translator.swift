import AttendCheckpoint
import AttendData
import AttendModel
import AttendSearch

/// Lines of text in, translations out: what `attend translate` and `attend eval` share.
///
/// Text preparation is the model's `TextPipeline` (the preprocessing training used, with its
/// vocabularies), reached in three places: `sourceTokens(_:)` (a line becomes the model's source
/// tokens), `targetTokens(_:)` (a reference line becomes target tokens, for teacher-forced
/// attention) and `text(_:)` (output tokens become a line).
public final class Translator {
  public let loaded: LoadedModel
  public let options: SearchOptions
  /// Replace each `<unk>` in the output by the most attended source token.
  public let replaceUnknown: Bool
  /// Lines to model tokens and ids, and output tokens back to lines, as training prepared them.
  public let pipeline: TextPipeline
  public let workspace = Workspace()

  public init(loaded: LoadedModel, options: SearchOptions, replaceUnknown: Bool) {
    precondition(options.problems.isEmpty, "validated by the command: \(options.problems)")
    self.loaded = loaded
    self.options = options
    self.replaceUnknown = replaceUnknown
    pipeline = loaded.pipeline
  }

  /// One output of the search, as text and tokens.
  public struct Hypothesis {
    /// The line the output is (`text(tokens)`).
    public var text: String
    /// Output tokens, `</s>` not included, `<unk>` replaced with `--replace-unk`.
    public var tokens: [String]
    /// The tokens as the model produced them followed by `</s>`: the rows of `attention`.
    public var modelTokens: [String]
    /// Length-normalised score the search ranked by, and the plain log-probability.
    public var score: Double
    public var logProbability: Double
    /// [modelTokens.count][sourceTokens.count] attention weights.
    public var attention: [[Float]]
  }

  /// One input line and its n-best list (best first; empty for a line without tokens).
  public struct Result {
    public var source: String
    public var sourceTokens: [String]
    public var hypotheses: [Hypothesis]

    /// The best output's text ("" for a line without tokens).
    public var text: String { hypotheses.first?.text ?? "" }
  }

  /// The model's source tokens for a line.
  public func sourceTokens(_ line: String) -> [String] {
    pipeline.sourcePieces(line)
  }

  /// The model's target tokens for a reference line.
  public func targetTokens(_ line: String) -> [String] {
    pipeline.targetPieces(line)
  }

  /// The line for output tokens.
  public func text(_ tokens: [String]) -> String {
    pipeline.text(tokens)
  }

  /// Translates `lines` (decoded together, in length-sorted batches), results in input order.
  public func translate(_ lines: [String]) -> [Result] {
    let tokens = lines.map(sourceTokens)
    let ids = tokens.map { pipeline.sourceVocabulary.encode($0) }
    let nonEmpty = ids.indices.filter { !ids[$0].isEmpty }
    var results = lines.indices.map { Result(source: lines[$0], sourceTokens: tokens[$0], hypotheses: []) }
    guard !nonEmpty.isEmpty else { return results }
    let lists = Decoding.translate(
      loaded.model, sources: nonEmpty.map { ids[$0] }, options: options, workspace: workspace)
    for (k, index) in nonEmpty.enumerated() {
      results[index].hypotheses = lists[k].map { hypothesis(from: $0, source: tokens[index]) }
    }
    return results
  }

  private func hypothesis(from translation: Translation, source: [String]) -> Hypothesis {
    let vocabulary = pipeline.targetVocabulary
    let produced = translation.tokens.map { vocabulary.token($0) }
    let words =
      replaceUnknown
      ? UnknownWordReplacement.apply(target: produced, source: source, attention: translation.attention)
      : produced
    // <pad> and <s> are never targets, so a model all but never outputs them; drop them if it does.
    let kept = zip(translation.tokens, words).filter { $0.0 != SpecialToken.pad && $0.0 != SpecialToken.bos }
      .map(\.1)
    return Hypothesis(
      text: text(kept), tokens: kept, modelTokens: produced + [SpecialToken.strings[Int(SpecialToken.eos)]],
      score: translation.score, logProbability: translation.logProbability, attention: translation.attention)
  }
}
