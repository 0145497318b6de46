import Foundation
import XCTest

@testable import AttendData

/// The corpora shipped in corpora/ are exactly what their README's command generates: they can be
/// recreated byte for byte, and nobody edited them by hand.
final class ShippedCorporaTests: XCTestCase {
  /// The repository root, found from this file's path (Tests/AttendDataTests/ShippedCorporaTests.swift).
  private static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The options of the `attend corpus generate` line in a README, by flag.
  private func command(in readme: String) throws -> (task: String, options: [String: String]) {
    let line = try XCTUnwrap(readme.split(separator: "\n").first { $0.contains("attend corpus generate ") })
    let words = line.split(separator: " ").map(String.init)
    let start = try XCTUnwrap(words.firstIndex(of: "generate"))
    var options: [String: String] = [:]
    var i = start + 2
    while i + 1 < words.count {
      options[words[i]] = words[i + 1]
      i += 2
    }
    return (words[start + 1], options)
  }

  func testEveryTaskIsShippedAndMatchesItsGenerator() throws {
    for task in ToyTask.allCases {
      let directory = Self.root.appendingPathComponent("corpora/\(task.rawValue)")
      let readme = try String(contentsOf: directory.appendingPathComponent("README.md"), encoding: .utf8)
      let (name, options) = try command(in: readme)
      XCTAssertEqual(name, task.rawValue)
      XCTAssertEqual(options["--out"], "corpora/\(task.rawValue)")
      func option(_ flag: String, _ fallback: Int) throws -> Int {
        try options[flag].map { try XCTUnwrap(Int($0), flag) } ?? fallback
      }
      let corpus = ToyCorpus.generate(
        task: task, seed: try XCTUnwrap(UInt64(options["--seed"] ?? "")),
        trainCount: try option("--train-count", ToyCorpus.defaultTrainCount),
        devCount: try option("--dev-count", ToyCorpus.defaultDevCount),
        testCount: try option("--test-count", ToyCorpus.defaultTestCount),
        minLength: try option("--min-length", ToyCorpus.defaultMinLength),
        maxLength: try option("--max-length", ToyCorpus.defaultMaxLength),
        vocabularySize: try option("--vocabulary-size", ToyCorpus.defaultVocabularySize))
      func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
      let tokenizer = Tokenizer()
      XCTAssertEqual(try ParallelCorpus.readTSV(path: path("train.tsv"), tokenizer: tokenizer), corpus.train, task.rawValue)
      XCTAssertEqual(try ParallelCorpus.readTSV(path: path("dev.tsv"), tokenizer: tokenizer), corpus.dev, task.rawValue)
      XCTAssertEqual(try ParallelCorpus.readTSV(path: path("test.tsv"), tokenizer: tokenizer), corpus.test, task.rawValue)
      XCTAssertEqual(try PharaohFormat.read(path: path("train.align")), corpus.trainAlignments, task.rawValue)
      XCTAssertEqual(try PharaohFormat.read(path: path("dev.align")), corpus.devAlignments, task.rawValue)
      XCTAssertEqual(try PharaohFormat.read(path: path("test.align")), corpus.testAlignments, task.rawValue)
    }
  }

  func testTheCorporaFolderStaysSmall() throws {
    let folder = Self.root.appendingPathComponent("corpora")
    var bytes = 0
    let files = try XCTUnwrap(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey]))
    for case let url as URL in files {
      bytes += try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
    }
    XCTAssertLessThan(bytes, 10_000_000, "corpora/ holds \(bytes) bytes")
  }
}
