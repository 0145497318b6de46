import ArgumentParser
import AttendEvaluation
import Foundation

extension SacreTokenizer: ExpressibleByArgument {}

/// `attend bleu`: corpus BLEU and chrF of hypotheses against references, as sacreBLEU computes
/// them, with its defaults.
struct BleuCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bleu",
    abstract: "Score hypotheses (standard input) against references with sacreBLEU's BLEU and chrF.",
    discussion: """
      Reads hypotheses from standard input (or --input), one per line, and references from each \
      REF file, line by line alongside them (several files: several references per sentence). \
      Each line is stripped of trailing whitespace, like the sacrebleu command does. BLEU uses \
      sacreBLEU 2.x's defaults: 13a tokenisation, exponential smoothing, case-sensitive; chrF is \
      chrF2 (character 6-grams, β = 2). Output lines follow sacreBLEU's text format, with its \
      signature:

        BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-1 = 37.99 83.3/60.0/25.0/16.7 (BP = ...)

      The numbers agree with sacreBLEU 2.6.0 (see docs/evaluation.md).
      """)

  enum Metric: String, CaseIterable, ExpressibleByArgument {
    case bleu, chrf
  }

  @Argument(help: "Reference files, one sentence per line, parallel to the hypotheses.")
  var references: [String]

  @Option(name: .shortAndLong, help: "Read hypotheses from this file instead of standard input.")
  var input: String?

  @Option(
    name: .shortAndLong, parsing: .upToNextOption,
    help: "Metrics to compute, in this order: bleu, chrf (for example -m bleu chrf).")
  var metrics: [Metric] = [.bleu]

  @Option(help: "BLEU tokenisation: 13a (sacreBLEU's default) or none (split at whitespace only).")
  var tokenize: SacreTokenizer = .thirteenA

  @Flag(help: "Lowercase hypotheses and references first (case-insensitive scores).")
  var lowercase = false

  @Option(help: "chrF word n-gram order (2 gives chrF++).")
  var chrfWordOrder: Int = 0

  @Flag(name: [.customShort("b"), .long], help: "Print only the scores, one per line.")
  var scoreOnly = false

  @Option(help: "Decimal places of the scores.")
  var width: Int = 2

  func validate() throws {
    if references.isEmpty { throw ValidationError("give at least one reference file") }
    if chrfWordOrder < 0 { throw ValidationError("--chrf-word-order must be 0 or more, got \(chrfWordOrder)") }
    if !(0...10).contains(width) { throw ValidationError("--width must be in 0…10, got \(width)") }
  }

  func run() throws {
    try reportingErrors {
      let hypothesesPath = input ?? "-"
      let hypotheses = try TextLines.read(path: hypothesesPath).map(PythonText.rstrip)
      var streams: [[String]] = []
      for path in references {
        let lines = try TextLines.read(path: path).map(PythonText.rstrip)
        guard lines.count == hypotheses.count else {
          throw EvaluationError.lineCountMismatch(
            path: path, found: lines.count, expected: hypotheses.count,
            each: input.map { "line of \($0)" } ?? "hypothesis line on standard input")
        }
        streams.append(lines)
      }
      for line in Self.report(
        hypotheses: hypotheses, referenceStreams: streams, metrics: metrics, bleu: SacreBLEU(tokenizer: tokenize, lowercase: lowercase),
        chrF: ChrF(wordOrder: chrfWordOrder, lowercase: lowercase), scoreOnly: scoreOnly, width: width)
      {
        print(line)
      }
    }
  }

  /// One line per metric: sacreBLEU's text format, or the number alone.
  static func report(
    hypotheses: [String], referenceStreams: [[String]], metrics: [Metric], bleu: SacreBLEU, chrF: ChrF,
    scoreOnly: Bool, width: Int
  ) -> [String] {
    metrics.map { metric in
      switch metric {
      case .bleu:
        let score = bleu.score(hypotheses: hypotheses, referenceStreams: referenceStreams)
        return scoreOnly
          ? String(format: "%.\(width)f", score.score)
          : bleu.formatted(score, referenceCount: referenceStreams.count, width: width)
      case .chrf:
        let score = chrF.score(hypotheses: hypotheses, referenceStreams: referenceStreams)
        return scoreOnly
          ? String(format: "%.\(width)f", score.score)
          : chrF.formatted(score, referenceCount: referenceStreams.count, width: width)
      }
    }
  }
}
