import ArgumentParser
import AttendKernels
import AttendReport
import AttendSearch
import AttendTraining
import Foundation

/// `attend translate`: sentences from arguments, standard input or a file, through beam search.
struct TranslateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "translate",
    abstract: "Translate sentences with a trained checkpoint (beam search; --beam 1 is greedy).",
    discussion: """
      Sentences come from the arguments (one per argument), from --input FILE (one per line), or \
      else from standard input, translated line by line as they arrive. Translations go to standard \
      output, or to --output FILE (written when all are done), in input order; an empty line gives \
      an empty translation.

      Text format: one line per sentence; with --nbest N > 1, N lines per sentence in Moses n-best \
      format: `index ||| translation ||| score`. JSON format: one JSON object per sentence per line \
      (source, source_tokens, and the n-best translations with text, tokens, score, \
      log_probability and the attention matrix: one row per output token and </s>, one column per \
      source token).

      --show-attention draws each best translation's attention as a heatmap on standard output \
      (colour on a terminal, shade blocks otherwise; see --heatmap-style). See docs/translate.md.
      """)

  enum Format: String, CaseIterable, ExpressibleByArgument {
    case text, json
  }

  @Option(name: .shortAndLong, help: "Checkpoint file (for example checkpoints/reverse/best.ckpt).")
  var checkpoint: String

  @OptionGroup var search: SearchOptionGroup

  @Option(help: "Translations per sentence, best first (at most --beam).")
  var nbest: Int = 1

  @Flag(help: "Replace each <unk> in the output by the source token it attends to most.")
  var replaceUnk = false

  @Option(help: "Output format: text or json.")
  var format: Format = .text

  @Flag(help: "Draw each best translation's attention matrix as a heatmap in the terminal.")
  var showAttention = false

  @Option(help: "Heatmap style: color, shade or numbers (default: color on a terminal, shade otherwise).")
  var heatmapStyle: TerminalHeatmap.Style?

  @Option(name: .shortAndLong, help: "Read sentences from this file, one per line.")
  var input: String?

  @Option(name: .shortAndLong, help: "Write translations to this file instead of standard output.")
  var output: String?

  @Argument(help: "Sentences to translate. None and no --input: read standard input.")
  var sentences: [String] = []

  func validate() throws {
    if nbest < 1 { throw ValidationError("--nbest must be at least 1, got \(nbest)") }
    if nbest > search.beamSize {
      throw ValidationError("--nbest \(nbest) needs a beam at least as wide: add --beam \(nbest) or more")
    }
    if input != nil && !sentences.isEmpty {
      throw ValidationError("give sentences as arguments or with --input, not both")
    }
    if showAttention && format == .json {
      throw ValidationError("--show-attention draws for --format text; the json format already carries the attention")
    }
  }

  func run() throws {
    try reportingErrors {
      try BLAS.load()
      let loaded = try ModelCheckpoint.load(from: checkpoint)
      let translator = Translator(loaded: loaded, options: search.options(nBest: nbest), replaceUnknown: replaceUnk)
      let heatmap = TerminalHeatmap(style: heatmapStyle ?? (isatty(STDOUT_FILENO) != 0 ? .color : .shade))
      var written: [String] = []
      var index = 0

      /// Formats results; lines go to the output file (kept until the end) or standard output.
      func emit(_ results: [Translator.Result]) throws {
        for result in results {
          let lines = try outputLines(result, index: index)
          if output != nil { written += lines } else { lines.forEach { print($0) } }
          if showAttention, let best = result.hypotheses.first {
            print(
              heatmap.render(
                sourceTokens: result.sourceTokens, targetTokens: best.modelTokens, weights: best.attention),
              terminator: "")
          }
          index += 1
        }
      }

      if let input {
        try emit(translator.translate(try TextLines.read(path: input)))
      } else if !sentences.isEmpty {
        try emit(translator.translate(sentences))
      } else {
        // Line by line, so an interactive session answers each line as it is typed.
        while let line = readLine() {
          try emit(translator.translate([line]))
          fflush(stdout)
        }
      }
      if let output { try TextLines.write(written, path: output) }
    }
  }

  /// The output lines of one sentence.
  func outputLines(_ result: Translator.Result, index: Int) throws -> [String] {
    switch format {
    case .text:
      guard nbest > 1 else { return [result.text] }
      return result.hypotheses.map { "\(index) ||| \($0.text) ||| " + String(format: "%.6f", $0.score) }
    case .json:
      let line = JSONLine(
        index: index, source: result.source, sourceTokens: result.sourceTokens,
        translations: result.hypotheses.map {
          JSONLine.Translation(
            text: $0.text, tokens: $0.tokens, score: $0.score, logProbability: $0.logProbability,
            attention: $0.attention)
        })
      return [String(decoding: try Self.encoder.encode(line), as: UTF8.self)]
    }
  }

  /// One sentence in `--format json`.
  struct JSONLine: Encodable {
    var index: Int
    var source: String
    var sourceTokens: [String]
    var translations: [Translation]

    struct Translation: Encodable {
      var text: String
      var tokens: [String]
      var score: Double
      var logProbability: Double
      /// [output tokens + </s>][source tokens].
      var attention: [[Float]]
    }
  }

  static let encoder = StoredJSON.encoder()
}
