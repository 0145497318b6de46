import ArgumentParser
import AttendData
import AttendEvaluation
import AttendKernels
import AttendModel
import AttendTraining
import Foundation

/// `attend eval`: translate a test set with a checkpoint and score it.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Translate a test set and score it: BLEU, chrF and, with gold alignments, AER.",
    discussion: """
      The sentences are either --source FILE with --reference FILE (one sentence per line; repeat \
      --reference for several references per sentence) or --pairs FILE (source<TAB>target per line, \
      like the corpora). BLEU and chrF are sacreBLEU's defaults on the output text and the reference \
      lines (the same numbers `attend bleu` and the sacrebleu command give for --output's file).

      With --alignments GOLD (Pharaoh format, one line per sentence, `i-j` sure and `i?j` possible \
      links between source word i and reference word j), the alignment error rate of the model's \
      attention is printed too: the reference is fed to the decoder (teacher forcing) and each \
      reference word is linked to its most attended source word (Luong et al. 2015), or, with \
      --alignment-threshold, to every source word whose weight is above the threshold. \
      See docs/evaluation.md.
      """)

  @Option(name: .shortAndLong, help: "Checkpoint file (for example checkpoints/reverse/best.ckpt).")
  var checkpoint: String

  @Option(help: "Source sentences, one per line.")
  var source: String?

  @Option(help: "Reference translations, one per line, parallel to --source (repeatable).")
  var reference: [String] = []

  @Option(help: "Source and reference in one file: source<TAB>reference per line.")
  var pairs: String?

  @Option(help: "Gold word alignments (Pharaoh format) of source and reference words, for AER.")
  var alignments: String?

  @Option(help: "AER from every link whose attention weight is above this, instead of the argmax links.")
  var alignmentThreshold: Float?

  @OptionGroup var search: SearchOptionGroup

  @Flag(help: "Replace each <unk> in the output by the source token it attends to most.")
  var replaceUnk = false

  @Option(name: .shortAndLong, help: "Also write the translations to this file, one per line.")
  var output: String?

  @Option(help: "BLEU tokenisation: 13a (sacreBLEU's default) or none.")
  var tokenize: SacreTokenizer = .thirteenA

  @Flag(help: "Case-insensitive BLEU and chrF (lowercase output and references first).")
  var lowercase = false

  func validate() throws {
    switch (source, pairs) {
    case (nil, nil): throw ValidationError("give --source FILE --reference FILE, or --pairs FILE")
    case (_?, _?): throw ValidationError("give --source and --reference, or --pairs, not both")
    case (_?, nil) where reference.isEmpty: throw ValidationError("--source needs at least one --reference FILE")
    case (nil, _?) where !reference.isEmpty:
      throw ValidationError("--pairs already holds the references; leave out --reference")
    default: break
    }
    if alignments != nil && reference.count > 1 {
      throw ValidationError("--alignments scores the attention on one reference; give a single --reference")
    }
    if alignmentThreshold != nil && alignments == nil {
      throw ValidationError("--alignment-threshold needs --alignments GOLD")
    }
    if let t = alignmentThreshold, !(t >= 0 && t < 1) {
      throw ValidationError("--alignment-threshold must be in [0, 1), got \(t)")
    }
  }

  func run() throws {
    try reportingErrors {
      let (sources, referenceStreams, sourcePath) = try readSentences()
      try BLAS.load()
      let loaded = try ModelCheckpoint.load(from: checkpoint)
      let options = search.options()
      let translator = Translator(loaded: loaded, options: options, replaceUnknown: replaceUnk)
      let start = Date()
      let hypotheses = translator.translate(sources).map(\.text)
      let seconds = Date().timeIntervalSince(start)
      if let output { try TextLines.write(hypotheses, path: output) }

      let bleu = SacreBLEU(tokenizer: tokenize, lowercase: lowercase)
      let chrF = ChrF(lowercase: lowercase)
      print(bleu.formatted(bleu.score(hypotheses: hypotheses, referenceStreams: referenceStreams), referenceCount: referenceStreams.count))
      print(chrF.formatted(chrF.score(hypotheses: hypotheses, referenceStreams: referenceStreams), referenceCount: referenceStreams.count))
      if let alignments {
        let counts = try alignmentCounts(
          translator: translator, sources: sources, references: referenceStreams[0], goldPath: alignments,
          sourcePath: sourcePath, referencePath: reference.first ?? sourcePath)
        let method = alignmentThreshold.map { "links above \($0)" } ?? "argmax links"
        print(
          String(
            format: "AER = %.4f (precision %.4f, recall %.4f; %d predicted, %d sure links; %@ of teacher-forced attention)",
            counts.errorRate, counts.precision, counts.recall, counts.predicted, counts.sure, method))
      }
      let decoding =
        options.beamSize == 1
        ? "greedy"
        : "beam \(options.beamSize), length penalty \(options.lengthNormalization.rawValue)"
          + (options.lengthNormalization == .gnmt ? String(format: " α %.2f", options.alpha) : "")
      var note = String(format: "%d sentences translated in %.2fs (%@)", sources.count, seconds, decoding)
      if loaded.header.experiment.data.lowercase && !lowercase {
        note += "; the model writes lowercase: add --lowercase for case-insensitive scores"
      }
      FileHandle.standardError.write(Data((note + "\n").utf8))
    }
  }

  /// Source lines, reference streams, and the file that the sources came from.
  func readSentences() throws -> ([String], [[String]], String) {
    if let pairs {
      var sources: [String] = []
      var references: [String] = []
      for (i, line) in try TextLines.read(path: pairs).enumerated() {
        let columns = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard columns.count >= 2 else { throw DataError.missingTab(path: pairs, line: i + 1) }
        sources.append(String(columns[0]))
        references.append(PythonText.rstrip(String(columns[1])))
      }
      if sources.isEmpty { throw DataError.emptyCorpus(path: pairs) }
      return (sources, [references], pairs)
    }
    let sourcePath = source!
    let sources = try TextLines.read(path: sourcePath)
    var streams: [[String]] = []
    for path in reference {
      let lines = try TextLines.read(path: path).map(PythonText.rstrip)
      guard lines.count == sources.count else {
        throw EvaluationError.lineCountMismatch(
          path: path, found: lines.count, expected: sources.count, each: "line of \(sourcePath)")
      }
      streams.append(lines)
    }
    return (sources, streams, sourcePath)
  }

  /// AER of the attention with the references fed to the decoder, against the gold file.
  func alignmentCounts(
    translator: Translator, sources: [String], references: [String], goldPath: String, sourcePath: String,
    referencePath: String
  ) throws -> AlignmentCounts {
    let sourceTokens = sources.map(translator.sourceTokens)
    let referenceTokens = references.map(translator.targetTokens)
    for i in sources.indices {
      let sides = [
        ("source", sources[i], sourceTokens[i], sourcePath),
        ("reference", references[i], referenceTokens[i], referencePath),
      ]
      for (side, line, tokens, path) in sides {
        let words = line.split(whereSeparator: \.isWhitespace).count
        if words != tokens.count {
          throw EvaluationError.tokensAreNotWords(path: path, line: i + 1, side: side, words: words, tokens: tokens.count)
        }
      }
    }
    let gold = try GoldAlignments.read(
      path: goldPath, sourceLengths: sourceTokens.map(\.count), targetLengths: referenceTokens.map(\.count),
      each: "line of \(sourcePath)")
    let header = translator.loaded.header
    // Sentences with an empty side have no attention: their gold links all count as missed.
    let encoded = sources.indices.filter { !sourceTokens[$0].isEmpty && !referenceTokens[$0].isEmpty }.map {
      EncodedPair(
        source: header.sourceVocabulary.encode(sourceTokens[$0]),
        target: header.targetVocabulary.encode(referenceTokens[$0]), index: $0)
    }
    var counts = AlignmentCounts()
    var predicted = [[AlignmentLink]](repeating: [], count: sources.count)
    let method: AttentionAlignment.Method = alignmentThreshold.map { .threshold($0) } ?? .argmax
    for batch in Batcher.batches(of: encoded, batchSize: 64) {
      _ = translator.loaded.model.loss(batch: batch, workspace: translator.workspace)
      for (b, weights) in Evaluator.teacherForcedAttention(batch: batch, workspace: translator.workspace).enumerated() {
        predicted[batch.pairIndices[b]] = AttentionAlignment.links(
          weights: weights, targetCount: weights.count, method: method)
      }
    }
    for (links, goldLinks) in zip(predicted, gold) { counts += AlignmentCounts(predicted: links, gold: goldLinks) }
    return counts
  }
}
