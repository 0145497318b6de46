import AttendCheckpoint
import AttendData
import AttendKernels
import Foundation
import XCTest

@testable import AttendTraining

/// The data pipeline as `attend train` runs it: readers, carving, preprocessing, subwords, the
/// length filter, vocabularies, the report, batching, and what checkpoints keep of it.
final class TrainingDataTests: XCTestCase {
  private var directory: String!

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "attend-data-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory!
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  }

  @discardableResult
  private func write(_ name: String, _ text: String) throws -> String {
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @discardableResult
  private func write(_ name: String, bytes: [UInt8]) throws -> String {
    let path = directory + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// English–French lines in Tatoeba's style: punctuation attached in English, French spaces
  /// (U+202F, U+00A0) before `!`, `?` and inside « ».
  private let lines = [
    "I'm tired.\tJe suis fatigué.", "I'm cold.\tJ'ai froid.", "Run!\tCours\u{202F}!",
    "Are you tired?\tEs-tu fatigué\u{202F}?", "He is cold.\tIl a froid.", "We are tired.\tNous sommes fatigués.",
    "She is \"cold\".\tElle a «\u{00A0}froid\u{00A0}».", "They are cold!\tIls ont froid\u{202F}!",
    "I'm very tired.\tJe suis très fatigué.", "You are cold.\tTu as froid.",
  ]

  private func realTextConfig() throws -> DataConfig {
    var config = DataConfig(train: try write("train.tsv", lines.joined(separator: "\n") + "\n"), dev: nil)
    config.dev = try write("dev.tsv", "He is tired.\tIl est fatigué.\nRun!\tCours\u{202F}!\n")
    config.splitPunctuation = true
    config.merges = 40
    return config
  }

  func testRealTextBecomesSubwordIdsThatDecodeToTheNormalisedReference() throws {
    let data = try TrainingData(config: try realTextConfig())
    XCTAssertEqual(data.train.count, 10)
    XCTAssertEqual(data.dev.count, 2)
    XCTAssertGreaterThan(data.report.sourceMerges, 10)
    XCTAssertLessThanOrEqual(data.report.sourceMerges, 40)
    let pipeline = data.pipeline
    // A dev pair made of training text: its ids turn back into the line as written.
    XCTAssertFalse(data.devEncoded[1].target.contains(SpecialToken.unk))
    XCTAssertEqual(pipeline.targetPieces(data.devEncoded[1].target), data.dev[1].target)
    XCTAssertEqual(pipeline.decodeTarget(data.devEncoded[1].target), "Cours !")
    XCTAssertEqual(pipeline.targetReference("Cours\u{202F}!"), "Cours !")
    XCTAssertEqual(pipeline.encodeSource("Run!"), data.devEncoded[1].source)
    XCTAssertEqual(data.preprocessing.source.text(data.dev[1].source), "Run!")
    XCTAssertTrue(data.dev[1].source.last == Tokenizer.joinerString + "!", "\(data.dev[1].source)")
    // Training pairs use the same pieces as translation-time preprocessing.
    XCTAssertEqual(pipeline.encodeSource("I'm cold."), data.train[1].source)
  }

  func testParallelFilesReadLikeTheSameTSV() throws {
    let en = lines.map { String($0.split(separator: "\t")[0]) }
    let fr = lines.map { String($0.split(separator: "\t")[1]) }
    var config = try realTextConfig()
    config.train = try write("train.en", en.joined(separator: "\n") + "\n")
    config.trainTarget = try write("train.fr", fr.joined(separator: "\n") + "\n")
    config.dev = try write("dev.en", "He is tired.\nRun!\n")
    config.devTarget = try write("dev.fr", "Il est fatigué.\nCours\u{202F}!\n")
    let parallel = try TrainingData(config: config)
    let tsv = try TrainingData(config: try realTextConfig())
    XCTAssertEqual(parallel.train, tsv.train)
    XCTAssertEqual(parallel.devEncoded, tsv.devEncoded)
    XCTAssertEqual(parallel.preprocessing, tsv.preprocessing)

    // The other direction: French → English by swapping the files.
    let (train, dev) = (config.train, config.dev)
    (config.train, config.dev) = (config.trainTarget!, config.devTarget)
    (config.trainTarget, config.devTarget) = (train, dev)
    let backward = try TrainingData(config: config)
    XCTAssertEqual(backward.preprocessing.target.text(backward.dev[1].target), "Run!")
    XCTAssertEqual(backward.preprocessing.source.text(backward.dev[1].source), "Cours !")
  }

  func testCarvedDevAndTestNeverOverlapTrain() throws {
    let pairs = (0..<200).map { "sentence \($0 % 80) .\tphrase \($0) ." }
    var config = DataConfig(train: try write("all.tsv", pairs.joined(separator: "\n")), dev: nil)
    config.devSize = 20
    config.testSize = 10
    let data = try TrainingData(config: config)
    XCTAssertEqual(data.report.carvedDev, data.dev.count)
    XCTAssertEqual(data.report.carvedTest, data.carvedTest.count)
    XCTAssertEqual(data.train.count + data.dev.count + data.carvedTest.count, 200)
    let trainSources = Set(data.train.map(\.source))
    XCTAssertTrue(data.devEncoded.allSatisfy { !trainSources.contains($0.source) })
    XCTAssertTrue(data.report.lines.contains { $0.hasPrefix("split: \(data.dev.count) dev and \(data.carvedTest.count) test pairs carved off train") })
  }

  func testBadLinesAreErrorsOrCountedSkipsThatTheReportNames() throws {
    let bytes = Array("a b\tA B\nno tab\n\tempty source\nc\t \u{00A0}\n".utf8) + [0x64, 0xFF, 0x09, 0x44, 0x0A]
      + Array("e f\tE F\n".utf8)
    let train = try write("bad.tsv", bytes: bytes)
    var config = DataConfig(train: train, dev: try write("dev.tsv", "a\tA\n"))
    XCTAssertThrowsError(try TrainingData(config: config)) { error in
      XCTAssertEqual("\(error)", "\(train):2: expected a tab between source and target, found none")
    }
    config.badLines = .skip
    let data = try TrainingData(config: config)
    XCTAssertEqual(data.train.count, 2)
    XCTAssertEqual(data.report.train.skipped, [.missingTab: 1, .emptySource: 1, .emptyTarget: 1, .invalidUTF8: 1])
    XCTAssertEqual(
      data.report.lines[0],
      "train \(train): 6 lines, 2 pairs; skipped 4 bad lines (invalid_utf8 1: line 5; missing_tab 1: line 2; "
        + "empty_source 1: line 3; empty_target 1: line 4)")
    XCTAssertEqual(data.report.counts["train.skipped.missing_tab"], 1)
    XCTAssertEqual(data.report.counts["train.skipped.missing_column"], 0)
    let json = try JSONSerialization.jsonObject(with: Data(data.report.countsJSON.utf8)) as? [String: Int]
    XCTAssertEqual(json, data.report.counts)
  }

  func testATenThousandWordLineIsACountedDrop() throws {
    let long = (0..<10_000).map { "w\($0 % 50)" }.joined(separator: " ")
    let train = try write("long.tsv", "a b\tA B\n\(long)\tX\nc\t\(long)\nd\tD\n")
    let dev = try write("dev.tsv", "a\tA\n\(long)\tY\n")
    let data = try TrainingData(config: DataConfig(train: train, dev: dev))
    XCTAssertEqual(data.train.count, 2)
    XCTAssertEqual(data.droppedTooLong, 2)
    XCTAssertEqual(data.report.trainLengths.dropped, [.sourceTooLong: 1, .targetTooLong: 1])
    XCTAssertEqual(data.dev.count, 1)
    XCTAssertTrue(data.report.lines.contains("length filter, train: kept 2 of 4 pairs; dropped 2 (source_too_long 1 (> 50 tokens); target_too_long 1 (> 50 tokens))"), "\(data.report.lines)")
    XCTAssertTrue(data.report.lines.contains { $0.hasPrefix("length filter, dev: kept 1 of 2 pairs") })
  }

  func testMissingFilesAndMismatchedParallelFilesAreErrors() throws {
    let absent = directory + "/absent.tsv"
    XCTAssertThrowsError(try TrainingData(config: DataConfig(train: absent, dev: absent))) { error in
      XCTAssertEqual("\(error)", "\(absent): no such file")
    }
    var config = DataConfig(train: try write("a.en", "one\ntwo\n"), dev: try write("d.en", "x\n"))
    config.trainTarget = try write("a.fr", "un\n")
    config.devTarget = try write("d.fr", "y\n")
    XCTAssertThrowsError(try TrainingData(config: config)) { error in
      XCTAssertTrue("\(error)".contains("a.en has 2 lines but \(directory!)/a.fr has 1"), "\(error)")
    }
  }

  func testLengthLimitsPerSideAndEmptyResultsAreReported() throws {
    let train = try write("t.tsv", "a b c\tA\na\tA B C D\na b\tA B\n")
    var config = DataConfig(train: train, dev: try write("d.tsv", "a\tA\n"))
    config.maxSourceLength = 2
    config.minTargetLength = 2
    let data = try TrainingData(config: config)
    XCTAssertEqual(data.train.count, 2)
    XCTAssertEqual(data.report.trainLengths.dropped, [.sourceTooLong: 1])
    config.maxLength = 1
    config.maxSourceLength = nil
    XCTAssertThrowsError(try TrainingData(config: config)) { error in
      XCTAssertTrue("\(error)".contains("the length filter dropped all 3 pairs"), "\(error)")
    }
  }

  func testVocabularyReportCountsUnknownTokens() throws {
    var config = DataConfig(
      train: try write("t.tsv", "a a b\tx x y\na c\tx z\n"), dev: try write("d.tsv", "a q\tx q\n"))
    config.minFrequency = 2
    let data = try TrainingData(config: config)
    let source = data.report.sourceVocabulary
    XCTAssertEqual([source.types, source.kept, source.trainTokens, source.trainUnknown], [3, 1, 5, 2])
    XCTAssertEqual([source.devTokens, source.devUnknown], [2, 1])
    XCTAssertEqual(
      source.summary,
      "source vocabulary: 1 of 3 types kept (+4 specials); <unk>: 40.00% of train tokens (2 of 5), 50.00% of dev tokens (1 of 2)")
  }

  func testTokenBatchingComesFromTheDataConfig() throws {
    var config = try realTextConfig()
    config.batchTokens = 30
    let data = try TrainingData(config: config)
    XCTAssertEqual(data.batchingPolicy(batchSize: 64), .tokens(30))
    var batcher = data.makeBatcher(batchSize: 64, seed: 3)
    for _ in 0..<6 {
      let batch = batcher.nextBatch()
      XCTAssertTrue(batch.size * max(batch.sourceLength, batch.targetLength) <= 30 || batch.size == 1)
    }
    var restored = try data.restoreBatcher(batchSize: 64, state: batcher.state)
    XCTAssertEqual(restored.nextBatch().pairIndices, batcher.nextBatch().pairIndices)
    config.batchTokens = 0
    XCTAssertEqual(try TrainingData(config: config).batchingPolicy(batchSize: 5), .sentences(5))
  }
}

/// The data section through training: checkpoints keep the preprocessing, and resume is exact
/// with token-based batching too.
final class TrainingDataRunTests: XCTestCase {
  override func setUpWithError() throws {
    try BLAS.load()
  }

  func testCheckpointsStoreThePreprocessingTranslationUses() throws {
    let x = try TinyExperiment(self)
    var config = x.config(run: "bpe", maxSteps: 4)
    config.data.splitPunctuation = true
    config.data.merges = 5
    let summary = try silentTrainer(config).run()
    let loaded = try ModelCheckpoint.load(from: summary.latestCheckpoint)
    let data = try TrainingData(config: config.data)
    XCTAssertEqual(loaded.header.preprocessing, data.preprocessing)
    XCTAssertEqual(loaded.preprocessing.source.bpe?.merges.count, 5)
    XCTAssertEqual(loaded.pipeline.encodeSource("w1 w2 w3"), data.pipeline.encodeSource("w1 w2 w3"))
  }

  func testHeadersWithoutPreprocessingTranslateWholeWords() throws {
    let x = try TinyExperiment(self)
    var config = x.config(run: "old", maxSteps: 2)
    config.data.lowercase = true
    let summary = try silentTrainer(config).run()
    var header = try ModelCheckpoint.readTrainingHeader(from: summary.latestCheckpoint).header
    header.preprocessing = nil
    let json = try JSONEncoder().encode(header)
    let decoded = try JSONDecoder().decode(TrainingCheckpointHeader.self, from: json)
    let loaded = LoadedModel(header: decoded, model: try ModelCheckpoint.load(from: summary.latestCheckpoint).model)
    XCTAssertEqual(loaded.preprocessing, .wholeWords(lowercase: true))
    XCTAssertEqual(loaded.pipeline.sourcePieces("W1  w2!"), ["w1", "w2!"])
  }

  /// Token batching changes which pairs share a step; stopping and resuming must still give the
  /// bit-identical parameters of one uninterrupted run.
  func testResumeIsExactWithTokenBatching() throws {
    let x = try TinyExperiment(self)
    func config(_ run: String, _ steps: Int) -> ExperimentConfig {
      var c = x.config(run: run, maxSteps: steps)
      c.data.batchTokens = 50
      return c
    }
    let whole = try silentTrainer(config("whole", 14)).run()
    _ = try silentTrainer(config("split", 7)).run()
    let second = try silentTrainer(config("split", 14), resume: true).run()
    XCTAssertEqual(try tensorBits(second.latestCheckpoint), try tensorBits(whole.latestCheckpoint))
  }
}
