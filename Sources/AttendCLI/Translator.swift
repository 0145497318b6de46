import AttendData
import AttendModel
import AttendSearch
import AttendTraining

/// Lines of text in, translations out: what `attend translate` and `attend eval` share.
///
/// Text preparation happens in exactly three places, `sourceTokens(_:)` (a line becomes the
/// model's source tokens), `targetTokens(_:)` (a reference line becomes target tokens, for
/// teacher-forced attention) and `text(_:)` (output tokens become a line), so a different pre- or
/// post-processing (subwords, detokenisation) is one change in each.
final class Translator {
  let loaded: LoadedModel
  let options: SearchOptions
  /// Replace each `<unk>` in the output by the most attended source token.
  let replaceUnknown: Bool
  let workspace = Workspace()

  init(loaded: LoadedModel, options: SearchOptions, replaceUnknown: Bool) {
    precondition(options.problems.isEmpty, "validated by the command: \(options.problems)")
    self.loaded = loaded
    self.options = options
    self.replaceUnknown = replaceUnknown
  }

  /// One output of the search, as text and tokens.
  struct Hypothesis {
    /// The line the output is (`text(tokens)`).
    var text: String
    /// Output tokens, `</s>` not included, `<unk>` replaced with `--replace-unk`.
    var tokens: [String]
    /// The tokens as the model produced them followed by `</s>`: the rows of `attention`.
    var modelTokens: [String]
    /// Length-normalised score the search ranked by, and the plain log-probability.
    var score: Double
    var logProbability: Double
    /// [modelTokens.count][sourceTokens.count] attention weights.
    var attention: [[Float]]
  }

  /// One input line and its n-best list (best first; empty for a line without tokens).
  struct Result {
    var source: String
    var sourceTokens: [String]
    var hypotheses: [Hypothesis]

    /// The best output's text ("" for a line without tokens).
    var text: String { hypotheses.first?.text ?? "" }
  }

  /// The model's source tokens for a line.
  func sourceTokens(_ line: String) -> [String] {
    loaded.preprocessing.source.pieces(line)
  }

  /// The model's target tokens for a reference line.
  func targetTokens(_ line: String) -> [String] {
    loaded.preprocessing.target.pieces(line)
  }

  /// The line for output tokens.
  func text(_ tokens: [String]) -> String {
    loaded.preprocessing.target.text(tokens)
  }

  /// Translates `lines` (decoded together, in length-sorted batches), results in input order.
  func translate(_ lines: [String]) -> [Result] {
    let tokens = lines.map(sourceTokens)
    let ids = tokens.map { loaded.header.sourceVocabulary.encode($0) }
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
    let vocabulary = loaded.header.targetVocabulary
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
