import AttendData
import Foundation

/// What preparing the data found, for the console, `attend corpus stats` and the training log:
/// lines read and skipped (by reason), the dev/test carving, the subword merges, the length
/// filter's drops (by reason) and the vocabularies' coverage.
public struct DataReport: Sendable {
  public var train: CorpusReadReport
  /// Nil when the dev set was carved off train.
  public var dev: CorpusReadReport?
  /// Nil without a test file.
  public var test: CorpusReadReport?
  /// Pairs carved off train as dev and as test (0 when given as files).
  public var carvedDev = 0
  public var carvedTest = 0
  /// Merges asked for and learned (fewer when no pair occurs twice any more), per side.
  public var mergesAsked = 0
  public var sourceMerges = 0
  public var targetMerges = 0
  public var jointMerges = true
  public var trainLengths: LengthFilterReport
  public var devLengths: LengthFilterReport
  public var sourceVocabulary: VocabularyReport
  public var targetVocabulary: VocabularyReport

  /// Human-readable lines, one per stage, e.g.
  /// `train corpora/x.tsv: 1000 lines, 998 pairs; skipped 2 bad lines (missing_tab 2: lines 5, 9)`.
  public var lines: [String] {
    var lines = ["train \(train.source): \(train.summary)"]
    if let dev { lines.append("dev \(dev.source): \(dev.summary)") }
    if let test { lines.append("test \(test.source): \(test.summary)") }
    if carvedDev > 0 || carvedTest > 0 {
      lines.append("split: \(carvedDev) dev and \(carvedTest) test pairs carved off train, \(trainLengths.kept + trainLengths.droppedCount) left to train on")
    }
    if mergesAsked > 0 {
      lines.append(
        jointMerges
          ? "subwords: \(sourceMerges) joint byte-pair merges learned (\(mergesAsked) asked)"
          : "subwords: \(sourceMerges) source and \(targetMerges) target byte-pair merges learned (\(mergesAsked) asked)")
    }
    lines.append("length filter, train: \(trainLengths.summary)")
    if devLengths.droppedCount > 0 { lines.append("length filter, dev: \(devLengths.summary)") }
    lines.append(sourceVocabulary.summary)
    lines.append(targetVocabulary.summary)
    return lines
  }

  /// Every count as a flat dictionary with dotted names (`train.skipped.missing_tab`,
  /// `train.dropped.source_too_long`, `vocabulary.source.train_unknown`, …): what a training log
  /// stores. Zero counts of skip and drop reasons are included, so every run has the same names.
  public var counts: [String: Int] {
    var counts: [String: Int] = [:]
    for (name, report) in [("train", train), ("dev", dev), ("test", test)] {
      guard let report else { continue }
      counts["\(name).lines"] = report.lines
      counts["\(name).pairs"] = report.pairs
      for reason in SkipReason.allCases { counts["\(name).skipped.\(reason.rawValue)"] = report.skipped[reason] ?? 0 }
    }
    counts["split.carved_dev"] = carvedDev
    counts["split.carved_test"] = carvedTest
    counts["subwords.source_merges"] = sourceMerges
    counts["subwords.target_merges"] = targetMerges
    for (name, report) in [("train", trainLengths), ("dev", devLengths)] {
      counts["\(name).kept"] = report.kept
      for reason in LengthDropReason.allCases { counts["\(name).dropped.\(reason.rawValue)"] = report.dropped[reason] ?? 0 }
    }
    for v in [sourceVocabulary, targetVocabulary] {
      counts["vocabulary.\(v.side).types"] = v.types
      counts["vocabulary.\(v.side).kept"] = v.kept
      counts["vocabulary.\(v.side).train_tokens"] = v.trainTokens
      counts["vocabulary.\(v.side).train_unknown"] = v.trainUnknown
      counts["vocabulary.\(v.side).dev_tokens"] = v.devTokens
      counts["vocabulary.\(v.side).dev_unknown"] = v.devUnknown
    }
    return counts
  }

  /// `counts` as one JSON object with sorted keys, ready for a JSON column of the training log
  /// (for example `SELECT json_extract(data_report, '$."train.skipped.missing_tab"') FROM runs`).
  public var countsJSON: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // A dictionary of strings to integers always encodes.
    return String(decoding: try! encoder.encode(counts), as: UTF8.self)
  }
}

/// The corpora of one experiment, from the files named in `data` to ids ready for batching.
///
/// Stages, in order (docs/data.md): read train (and dev, test) checking every line; carve dev/test
/// off train when asked; tokenise (normalisation, lowercasing, punctuation); learn byte-pair merges
/// on the training text and cut words into pieces; drop training (and dev) pairs outside the length
/// limits; build the vocabularies from the training pieces; turn pieces into ids. Each stage's
/// counts go into `report`.
public struct TrainingData {
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary
  /// Training pairs as ids; `index` is the position among the pairs kept.
  public var train: [EncodedPair]
  /// Dev pairs as model tokens (subword pieces when `merges` > 0); `devEncoded[i]` is `dev[i]` as ids.
  public var dev: [SentencePair]
  public var devEncoded: [EncodedPair]
  /// Test pairs carved off train (`test_size`), as read; empty otherwise.
  public var carvedTest: [RawPair]
  /// How both sides are prepared: stored in checkpoints so translation does the same.
  public var preprocessing: TextPreprocessing
  public var report: DataReport
  /// Token-based batching budget (0 = sentence batching) and bucketing, from the config.
  public var batchTokens: Int
  public var bucketing: Bool

  /// Training pairs dropped because a side was longer than the maximum length.
  public var droppedTooLong: Int {
    report.trainLengths.dropped[.sourceTooLong, default: 0] + report.trainLengths.dropped[.targetTooLong, default: 0]
  }

  /// Lines to ids and back, with this data's preprocessing and vocabularies.
  public var pipeline: TextPipeline {
    TextPipeline(preprocessing: preprocessing, sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary)
  }

  /// Reads and prepares everything `config` names. Throws a `DataError` naming the file and line
  /// for bad input (unless `bad_lines: skip`), and when no training pair survives.
  public init(config: DataConfig) throws {
    guard let trainSource = config.corpus(config.train, target: config.trainTarget) else {
      preconditionFailure("data.train is required")
    }
    let read = try CorpusReader.read(trainSource, badLines: config.badLines)
    var rawTrain = read.pairs
    var rawDev: [RawPair] = []
    var devReport: CorpusReadReport? = nil
    if let devSource = config.corpus(config.dev, target: config.devTarget) {
      (rawDev, devReport) = try CorpusReader.read(devSource, badLines: config.badLines)
    }
    var testReport: CorpusReadReport? = nil
    if let testSource = config.corpus(config.test, target: config.testTarget) {
      testReport = try CorpusReader.read(testSource, badLines: config.badLines).report
    }
    carvedTest = []
    let devToCarve = config.dev == nil ? config.devSize : 0
    let testToCarve = config.test == nil ? config.testSize : 0
    if devToCarve > 0 || testToCarve > 0 {
      let split = try DataSplit.carve(rawTrain, devSize: devToCarve, testSize: testToCarve, seed: config.splitSeed)
      rawTrain = split.train
      if devToCarve > 0 { rawDev = split.dev }
      carvedTest = split.test
    }

    // Words, then subwords learned on the training words only.
    let tokenizer = Tokenizer(
      lowercase: config.lowercase, normalization: config.normalization, splitPunctuation: config.splitPunctuation)
    let trainSourceWords = rawTrain.map { tokenizer.tokenize($0.source) }
    let trainTargetWords = rawTrain.map { tokenizer.tokenize($0.target) }
    var source = TextProcessor(tokenizer: tokenizer)
    var target = TextProcessor(tokenizer: tokenizer)
    if config.merges > 0 {
      if config.jointMerges {
        let bpe = BytePairEncoding.learn(sentences: trainSourceWords + trainTargetWords, mergeCount: config.merges)
        (source.bpe, target.bpe) = (bpe, bpe)
      } else {
        source.bpe = BytePairEncoding.learn(sentences: trainSourceWords, mergeCount: config.merges)
        target.bpe = BytePairEncoding.learn(sentences: trainTargetWords, mergeCount: config.merges)
      }
    }
    preprocessing = TextPreprocessing(source: source, target: target)
    func pieces(_ processor: TextProcessor, _ words: [[String]]) -> [[String]] {
      processor.bpe?.apply(sentences: words) ?? words
    }
    let trainPieces = Array(zip(pieces(source, trainSourceWords), pieces(target, trainTargetWords)))
    let devPieces = Array(zip(
      source.pieces(lines: rawDev.map(\.source)), target.pieces(lines: rawDev.map(\.target))))

    // Length limits: training pairs outside them are dropped; dev pairs only when too long (an
    // evaluation costs time and memory in the longest sentence, as a training step does) or,
    // which the reader's blank-side check already prevents, without tokens.
    let limits = config.lengthLimits
    let (keptTrain, trainLengths) = LengthFilterReport.filter(
      trainPieces, limits: limits, sourceLength: \.0.count, targetLength: \.1.count)
    if keptTrain.isEmpty {
      throw DataError.noUsablePairs(
        path: trainSource.path, reason: "the length filter dropped all \(trainPieces.count) pairs (\(trainLengths.summary))")
    }
    let devLimits = LengthLimits(minSource: 1, maxSource: limits.maxSource, minTarget: 1, maxTarget: limits.maxTarget)
    let (keptDev, devLengths) = LengthFilterReport.filter(
      devPieces, limits: devLimits, sourceLength: \.0.count, targetLength: \.1.count)
    if keptDev.isEmpty {
      throw DataError.noUsablePairs(
        path: config.dev ?? trainSource.path,
        reason: "the dev set is empty after the length filter (\(devLengths.summary))")
    }

    sourceVocabulary = Vocabulary.build(
      from: keptTrain.map(\.0), minFrequency: config.minFrequency, maxSize: config.maxVocabulary)
    targetVocabulary = Vocabulary.build(
      from: keptTrain.map(\.1), minFrequency: config.minFrequency, maxSize: config.maxVocabulary)
    let (sv, tv) = (sourceVocabulary, targetVocabulary)
    train = keptTrain.enumerated().map {
      EncodedPair(source: sv.encode($0.element.0), target: tv.encode($0.element.1), index: $0.offset)
    }
    dev = keptDev.map { SentencePair(source: $0.0, target: $0.1) }
    devEncoded = keptDev.enumerated().map {
      EncodedPair(source: sv.encode($0.element.0), target: tv.encode($0.element.1), index: $0.offset)
    }

    report = DataReport(
      train: read.report, dev: devReport, test: testReport,
      carvedDev: devToCarve > 0 ? rawDev.count : 0, carvedTest: carvedTest.count,
      mergesAsked: config.merges, sourceMerges: source.bpe?.merges.count ?? 0,
      targetMerges: target.bpe?.merges.count ?? 0, jointMerges: config.jointMerges,
      trainLengths: trainLengths, devLengths: devLengths,
      sourceVocabulary: VocabularyReport(
        side: "source", vocabulary: sv, train: keptTrain.map(\.0), dev: keptDev.map(\.0)),
      targetVocabulary: VocabularyReport(
        side: "target", vocabulary: tv, train: keptTrain.map(\.1), dev: keptDev.map(\.1)))
    batchTokens = config.batchTokens
    bucketing = config.bucketing
  }

  /// How training batches are formed: `batch_tokens` padded tokens, or `batchSize` pairs.
  public func batchingPolicy(batchSize: Int) -> BatchingPolicy {
    batchTokens > 0 ? .tokens(batchTokens) : .sentences(batchSize)
  }

  /// A fresh batcher over the training pairs (`training.batch_size` is used without `batch_tokens`).
  public func makeBatcher(batchSize: Int, seed: UInt64) -> Batcher {
    Batcher(pairs: train, policy: batchingPolicy(batchSize: batchSize), seed: seed, bucketing: bucketing)
  }

  /// The batcher saved as `state`, continuing exactly where it stopped.
  public func restoreBatcher(batchSize: Int, state: BatcherState) throws -> Batcher {
    try Batcher(pairs: train, policy: batchingPolicy(batchSize: batchSize), bucketing: bucketing, state: state)
  }
}
