import AttendData
import Foundation
import XCTest

@testable import AttendTraining

/// The `data` section of a config: every key, the checks between keys, and stored configs that
/// predate a key.
final class DataConfigTests: XCTestCase {
  private func parse(_ yaml: String) throws -> ExperimentConfig {
    try ExperimentConfig.parse(yaml: yaml, file: "configs/test.yaml", baseDirectory: nil)
  }

  private func assertError(_ yaml: String, line: Int, _ fragments: [String], file: StaticString = #filePath, sourceLine: UInt = #line) {
    XCTAssertThrowsError(try parse(yaml), file: file, line: sourceLine) { error in
      guard let error = error as? ConfigError else { return XCTFail("\(error)", file: file, line: sourceLine) }
      XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
      for fragment in fragments {
        XCTAssertTrue(error.description.contains(fragment), "'\(fragment)' not in: \(error)", file: file, line: sourceLine)
      }
    }
  }

  func testEveryDataKeyIsRead() throws {
    let config = try parse(
      """
      data:
        train: t.en
        train_target: t.fr
        dev: d.en
        dev_target: d.fr
        test: e.en
        test_target: e.fr
        source_column: 2
        target_column: 1
        split_seed: 9
        bad_lines: skip
        normalization: nfkc
        lowercase: true
        split_punctuation: true
        merges: 3000
        joint_merges: false
        min_length: 2
        max_length: 80
        min_source_length: 3
        max_source_length: 60
        min_target_length: 4
        max_target_length: 70
        min_frequency: 2
        max_vocabulary: 9000
        batch_tokens: 4096
        bucketing: false
      """)
    let d = config.data
    XCTAssertEqual([d.train, d.trainTarget, d.dev, d.devTarget, d.test, d.testTarget], ["t.en", "t.fr", "d.en", "d.fr", "e.en", "e.fr"])
    XCTAssertEqual([d.sourceColumn, d.targetColumn, d.merges, d.minFrequency, d.maxVocabulary, d.batchTokens], [2, 1, 3000, 2, 9000, 4096])
    XCTAssertEqual(d.splitSeed, 9)
    XCTAssertEqual(d.badLines, .skip)
    XCTAssertEqual(d.normalization, .nfkc)
    XCTAssertEqual([d.lowercase, d.splitPunctuation, d.jointMerges, d.bucketing], [true, true, false, false])
    XCTAssertEqual(d.lengthLimits, LengthLimits(minSource: 3, maxSource: 60, minTarget: 4, maxTarget: 70))
    XCTAssertEqual(d.corpus(d.train, target: d.trainTarget), .parallel(source: "t.en", target: "t.fr"))
  }

  func testDefaultsAreWholeWordsFromTSV() throws {
    let d = try parse("data:\n  train: a.tsv\n  dev: b.tsv\n").data
    XCTAssertEqual(d.corpus(d.train, target: d.trainTarget), .tsv(path: "a.tsv", sourceColumn: 0, targetColumn: 1))
    XCTAssertEqual(d.normalization, .nfc)
    XCTAssertEqual([d.merges, d.devSize, d.testSize, d.batchTokens], [0, 0, 0, 0])
    XCTAssertEqual(d.badLines, .error)
    XCTAssertEqual(d.lengthLimits, LengthLimits(minSource: 1, maxSource: 50, minTarget: 1, maxTarget: 50))
  }

  func testDevSizeReplacesADevFile() throws {
    let d = try parse("data:\n  train: a.tsv\n  dev_size: 500\n  test_size: 200\n").data
    XCTAssertNil(d.dev)
    XCTAssertEqual([d.devSize, d.testSize], [500, 200])
    assertError(
      "data:\n  train: a.tsv\n  dev: b.tsv\n  dev_size: 5\n", line: 4,
      ["data.dev_size: expected 0 when data.dev is given", "found '5'"])
    assertError(
      "data:\n  train: a.tsv\n  dev_size: 5\n  test: c.tsv\n  test_size: 5\n", line: 5, ["data.test_size: expected 0 when data.test is given"])
  }

  func testParallelFilesNeedTargetsForEverySplit() {
    assertError(
      "data:\n  train: a.en\n  train_target: a.fr\n  dev: d.en\n", line: 1,
      ["missing required key 'dev_target' in 'data'", "train is given as parallel files"])
    assertError(
      "data:\n  train: a.en\n  train_target: a.fr\n  dev: d.en\n  dev_target: d.fr\n  test: e.en\n", line: 1,
      ["missing required key 'test_target'"])
    assertError(
      "data:\n  train: a.tsv\n  dev: d.tsv\n  dev_target: d.fr\n", line: 4,
      ["data.dev_target: expected no dev_target while train is a TSV file"])
  }

  func testInconsistentColumnsLengthsAndAlignmentsAreRejected() {
    assertError("data:\n  train: a\n  dev: b\n  target_column: 0\n", line: 4, ["a column other than source_column 0"])
    assertError("data:\n  train: a\n  dev: b\n  min_length: 9\n  max_length: 5\n", line: 4, ["data.min_length", "<= the maximum 5"])
    assertError(
      "data:\n  train: a\n  dev: b\n  max_target_length: 3\n  min_target_length: 4\n", line: 5,
      ["data.min_target_length", "<= the maximum 3"])
    assertError(
      "data:\n  train: a\n  dev: b\n  dev_alignments: b.align\n  merges: 100\n", line: 4,
      ["data.dev_alignments: expected no dev_alignments with merges > 0 or split_punctuation"])
    assertError(
      "data:\n  train: a\n  dev_size: 10\n  dev_alignments: b.align\n", line: 4,
      ["no dev_alignments for a dev set carved off train"])
  }

  func testUnknownChoicesListTheValidOnes() {
    assertError("data:\n  train: a\n  dev: b\n  normalization: nfd\n", line: 4, ["unknown choice 'nfd'", "none, nfc, nfkc"])
    assertError("data:\n  train: a\n  dev: b\n  bad_lines: ignore\n", line: 4, ["error, skip"])
  }

  func testRelativePathsOfParallelFilesAreResolved() throws {
    let config = try ExperimentConfig.parse(
      yaml: "data:\n  train: t.en\n  train_target: t.fr\n  dev: d.en\n  dev_target: /abs/d.fr\n",
      file: "x.yaml", baseDirectory: "base")
    XCTAssertEqual(config.data.trainTarget, "base/t.fr")
    XCTAssertEqual(config.data.dev, "base/d.en")
    XCTAssertEqual(config.data.devTarget, "/abs/d.fr")
  }

  func testValidateFilesChecksTargetSideFiles() throws {
    let directory = NSTemporaryDirectory() + "attend-dc-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
    for name in ["t.en", "d.en", "d.fr"] { try "x\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
    let config = try parse(
      "data:\n  train: \(directory)/t.en\n  train_target: \(directory)/t.fr\n  dev: \(directory)/d.en\n  dev_target: \(directory)/d.fr\n")
    XCTAssertThrowsError(try config.validateFiles()) { error in
      XCTAssertEqual("\(error)", "data.train_target: no such file '\(directory)/t.fr'")
    }
  }

  func testStoredConfigsWithoutTheNewKeysReadAsBefore() throws {
    // A data section as Attend stored it before corpora, subwords and batching were configurable.
    let old = #"{"train":"a.tsv","dev":"b.tsv","lowercase":true,"max_length":30,"min_frequency":1,"max_vocabulary":0}"#
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let data = try decoder.decode(DataConfig.self, from: Data(old.utf8))
    XCTAssertEqual(data.dev, "b.tsv")
    XCTAssertEqual(data.maxLength, 30)
    XCTAssertEqual(data.normalization, UnicodeNormalization.none, "older runs did not normalise")
    XCTAssertEqual(data.merges, 0)
    XCTAssertEqual(data.splitPunctuation, false)
    XCTAssertEqual(data.batchTokens, 0)
  }

  func testResolvedJSONRoundTrips() throws {
    var config = try parse("data:\n  train: a.tsv\n  dev_size: 100\n  merges: 500\n  max_source_length: 40\n")
    config.data.badLines = .skip
    XCTAssertEqual(try ExperimentConfig(json: config.jsonString()), config)
  }

  /// Every shipped config loads, names files that exist, and its data prepares: the toy tasks
  /// and, where ../shared/corpora is present, the Tatoeba split.
  func testShippedConfigsLoadAndTheirDataPrepares() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    for name in ["copy", "reverse", "sort", "dates", "numbers", "toy-fr", "tatoeba-en-fr"] {
      let file = "\(root)/configs/\(name).yaml"
      let config = try ExperimentConfig.parse(
        yaml: try String(contentsOfFile: file, encoding: .utf8), file: file, baseDirectory: root)
      if name == "tatoeba-en-fr" && !FileManager.default.fileExists(atPath: config.data.train) {
        continue  // the shared corpora live outside the repository
      }
      try config.validateFiles()
      let data = try TrainingData(config: config.data)
      XCTAssertEqual(data.report.trainLengths.droppedCount, 0, name)
      if name != "tatoeba-en-fr" {
        XCTAssertNotNil(config.data.devAlignments, "\(name) scores its attention against the gold alignment")
        XCTAssertEqual(data.report.targetVocabulary.devUnknown, 0, name)
      }
    }
  }
}
