import AttendModel
import Foundation

/// How finished hypotheses of different lengths are compared.
///
/// A log-probability sum only falls as a hypothesis grows, so unnormalised beam search prefers
/// short outputs; normalising by length counters that. Lengths count the output tokens with `</s>`.
public enum LengthNormalization: String, CaseIterable, Codable, Sendable {
  /// The raw log-probability.
  case none
  /// Log-probability per token: log P / |Y|.
  case average
  /// Wu et al. 2016 (GNMT): log P / lp(Y), lp(Y) = (5 + |Y|)^α / (5 + 1)^α.
  case gnmt
}

/// The settings of one decoding run (`attend translate`, `attend eval`).
public struct SearchOptions: Equatable, Sendable {
  /// K: hypotheses kept per sentence; 1 is greedy decoding.
  public var beamSize: Int
  /// N: translations returned per sentence, best first (N ≤ K).
  public var nBest: Int
  public var lengthNormalization: LengthNormalization
  /// α of the GNMT length penalty (0 is no normalisation, larger favours longer outputs).
  public var alpha: Double
  /// An output stops after `maxLengthRatio × source length + 5` tokens (`</s>` is then forced).
  public var maxLengthRatio: Double
  /// `</s>` is not allowed before this many tokens.
  public var minLength: Int
  /// τ of the attention while decoding; nil: the model's `decoding_temperature`.
  public var attentionTemperature: Double?
  /// Hard attention while decoding; nil: the model's `hard_attention`.
  public var hardAttention: Bool?

  public init(
    beamSize: Int = 1, nBest: Int = 1, lengthNormalization: LengthNormalization = .none,
    alpha: Double = 0.6, maxLengthRatio: Double = 2, minLength: Int = 0, attentionTemperature: Double? = nil,
    hardAttention: Bool? = nil
  ) {
    self.beamSize = beamSize
    self.nBest = nBest
    self.lengthNormalization = lengthNormalization
    self.alpha = alpha
    self.maxLengthRatio = maxLengthRatio
    self.minLength = minLength
    self.attentionTemperature = attentionTemperature
    self.hardAttention = hardAttention
  }

  /// The attention mode decoding a `config` model runs with: these options' settings where given,
  /// the model's decoding settings otherwise. Search passes it into the decoder's workspace; the
  /// model keeps no decoding state.
  public func attentionMode(for config: ModelConfig) -> AttentionMode {
    var mode = config.attentionMode(for: .decoding)
    if let attentionTemperature { mode.temperature = Float(attentionTemperature) }
    if let hardAttention { mode.hard = hardAttention }
    return mode
  }

  /// Greedy decoding with the given length limit.
  public static func greedy(maxLengthRatio: Double = 2) -> SearchOptions {
    SearchOptions(maxLengthRatio: maxLengthRatio)
  }

  /// Problems with these settings, as messages naming the setting and what it must be; empty when
  /// the options are usable. (The CLI turns the first into a usage error.)
  public var problems: [String] {
    var problems: [String] = []
    if beamSize < 1 { problems.append("the beam size must be at least 1, got \(beamSize)") }
    if nBest < 1 { problems.append("the n-best size must be at least 1, got \(nBest)") }
    if nBest > beamSize {
      problems.append("the n-best size (\(nBest)) must not exceed the beam size (\(beamSize)); raise the beam size")
    }
    if !(maxLengthRatio > 0) || !maxLengthRatio.isFinite {
      problems.append("the maximum length ratio must be a positive number, got \(maxLengthRatio)")
    }
    if minLength < 0 { problems.append("the minimum length must be at least 0, got \(minLength)") }
    if !(alpha >= 0) || !alpha.isFinite { problems.append("alpha must be a number ≥ 0, got \(alpha)") }
    if let t = attentionTemperature, !(t > 0) || !t.isFinite {
      problems.append("the attention temperature must be a number > 0, got \(t)")
    }
    return problems
  }

  /// Most output tokens (without `</s>`) for a source of `sourceLength` tokens.
  public func maxOutputLength(sourceLength: Int) -> Int {
    Int(maxLengthRatio * Double(max(1, sourceLength))) + 5
  }

  /// The score a finished hypothesis is ranked by: its log-probability normalised for its
  /// `length` (output tokens including `</s>`).
  public func score(logProbability: Double, length: Int) -> Double {
    switch lengthNormalization {
    case .none: return logProbability
    case .average: return logProbability / Double(max(1, length))
    case .gnmt: return logProbability / (pow(5 + Double(length), alpha) / pow(6, alpha))
    }
  }
}
