import ArgumentParser
import AttendModel
import AttendReport
import AttendSearch
import AttendStorage

extension LengthNormalization: ExpressibleByArgument {}

/// The decoding flags `attend translate` and `attend eval` share.
struct SearchOptionGroup: ParsableArguments {
  @Option(name: .customLong("beam"), help: "Beam size K: hypotheses kept per sentence (1 = greedy decoding).")
  var beamSize: Int = 5

  @Option(
    help: ArgumentHelp(
      "How finished hypotheses of different lengths are ranked: none (log-probability), average (per token), gnmt (Wu et al. 2016).",
      valueName: "kind"))
  var lengthPenalty: LengthNormalization = .gnmt

  @Option(help: "α of the gnmt length penalty ((5 + length)^α / 6^α); larger favours longer outputs.")
  var alpha: Double = 0.6

  @Option(help: "Stop an output after ratio × source length + 5 tokens (then </s> is forced).")
  var maxLengthRatio: Double = 2

  @Option(help: "Do not end an output before this many tokens.")
  var minLength: Int = 0

  @Option(
    help: ArgumentHelp(
      "Attention temperature τ for decoding: scores are divided by τ (→ 0: harder, large: flatter). Default: the model's decoding_temperature.",
      valueName: "τ"))
  var attentionTemperature: Double?

  @Flag(
    inversion: .prefixedNo,
    help: "Hard attention: each step's context is the single most-attended source state. Default: the model's hard_attention.")
  var hardAttention: Bool?

  /// The search settings; attention flags not given keep the checkpoint's `decoding_temperature`
  /// and `hard_attention` (`SearchOptions.attentionMode(for:)`).
  func options(nBest: Int = 1) -> SearchOptions {
    SearchOptions(
      beamSize: beamSize, nBest: nBest, lengthNormalization: lengthPenalty, alpha: alpha,
      maxLengthRatio: maxLengthRatio, minLength: minLength, attentionTemperature: attentionTemperature,
      hardAttention: hardAttention)
  }

  func validate() throws {
    if beamSize < 1 { throw ValidationError("--beam must be at least 1, got \(beamSize)") }
    if !(maxLengthRatio > 0) || !maxLengthRatio.isFinite {
      throw ValidationError("--max-length-ratio must be positive, got \(maxLengthRatio)")
    }
    if minLength < 0 { throw ValidationError("--min-length must be 0 or more, got \(minLength)") }
    if !(alpha >= 0) || !alpha.isFinite { throw ValidationError("--alpha must be a number ≥ 0, got \(alpha)") }
    if let t = attentionTemperature, !(t > 0) || !t.isFinite {
      throw ValidationError("--attention-temperature must be a number > 0, got \(t)")
    }
  }
}

extension TerminalHeatmap {
  /// A heatmap of a fresh translation's attention (not one from the training log):
  /// `weights[t][s]` is the weight target token t gave source token s.
  func render(sourceTokens: [String], targetTokens: [String], weights: [[Float]]) -> String {
    precondition(weights.count == targetTokens.count && weights.allSatisfy { $0.count == sourceTokens.count })
    return render(
      AlignmentRecord(
        runID: 0, step: 0, probe: 0, sourceTokens: sourceTokens, targetTokens: targetTokens,
        weights: weights.flatMap { $0.map(Double.init) }))
  }
}
