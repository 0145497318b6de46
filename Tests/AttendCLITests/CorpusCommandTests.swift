import ArgumentParser
import Foundation
import XCTest

@testable import AttendCLI

/// `attend corpus generate | stats | split | tokenize`: options checked before anything runs, and
/// the commands writing what docs/data.md says.
final class CorpusCommandTests: XCTestCase {
  private var directory: String!

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "attend-corpus-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory!
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  }

  private func message(_ arguments: [String]) -> String {
    do {
      var command = try AttendCommand.parseAsRoot(arguments)
      try command.validate()
      return ""
    } catch {
      return AttendCommand.message(for: error)
    }
  }

  func testGrammarTasksRefuseTheSequenceOptions() {
    let text = message(["corpus", "generate", "dates", "--out", directory, "--max-length", "9"])
    XCTAssertTrue(text.contains("--max-length shapes the copy, reverse and sort tasks; dates is a fixed grammar"), text)
    XCTAssertEqual(message(["corpus", "generate", "toy-fr", "--out", directory]), "")
  }

  func testGenerateWritesEveryTaskWithItsReadme() throws {
    for task in ["copy", "sort", "dates", "numbers", "toy-fr"] {
      var command = try AttendCommand.parseAsRoot(
        ["corpus", "generate", task, "--seed", "4", "--train-count", "30", "--dev-count", "4", "--test-count", "4",
         "--out", "\(directory!)/\(task)"])
      try command.run()
      for name in ["train.tsv", "dev.tsv", "test.tsv", "train.align", "dev.align", "test.align", "README.md"] {
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(directory!)/\(task)/\(name)"), "\(task)/\(name)")
      }
      let readme = try String(contentsOfFile: "\(directory!)/\(task)/README.md", encoding: .utf8)
      XCTAssertTrue(readme.contains("attend corpus generate \(task) --seed 4 --train-count 30"), readme)
    }
  }

  func testSplitWritesTheThreeSplitsOfATSV() throws {
    let input = directory + "/all.tsv"
    try (0..<60).map { "s\($0 % 25)\tt\($0)\textra" }.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
    var command = try AttendCommand.parseAsRoot(
      ["corpus", "split", "--input", input, "--dev-size", "8", "--test-size", "5", "--seed", "2", "--out", directory + "/out"])
    try command.run()
    func lines(_ name: String) throws -> [String] {
      try String(contentsOfFile: "\(directory!)/out/\(name).tsv", encoding: .utf8).split(separator: "\n").map(String.init)
    }
    let (train, dev, test) = (try lines("train"), try lines("dev"), try lines("test"))
    XCTAssertEqual(train.count + dev.count + test.count, 60)
    XCTAssertLessThanOrEqual(dev.count, 8)
    XCTAssertTrue(dev.allSatisfy { $0.split(separator: "\t").count == 2 }, "extra columns are dropped")
    let trainSources = Set(train.map { $0.split(separator: "\t")[0] })
    XCTAssertTrue(dev.allSatisfy { !trainSources.contains($0.split(separator: "\t")[0]) })
  }

  func testSplitOfParallelFilesKeepsTheirExtensions() throws {
    try (0..<20).map { "en \($0)" }.joined(separator: "\n").write(toFile: directory + "/c.en", atomically: true, encoding: .utf8)
    try (0..<20).map { "fr \($0)" }.joined(separator: "\n").write(toFile: directory + "/c.fr", atomically: true, encoding: .utf8)
    var command = try AttendCommand.parseAsRoot(
      ["corpus", "split", "--input", directory + "/c.en", "--target", directory + "/c.fr", "--dev-size", "3", "--out", directory + "/p"])
    try command.run()
    let dev = try String(contentsOfFile: directory + "/p/dev.en", encoding: .utf8).split(separator: "\n")
    let devFrench = try String(contentsOfFile: directory + "/p/dev.fr", encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(dev.count, 3)
    XCTAssertEqual(dev.map { $0.dropFirst(3) }, devFrench.map { $0.dropFirst(3) })
  }

  func testSplitAndTokenizeCheckTheirOptions() {
    XCTAssertTrue(message(["corpus", "split", "--input", "x", "--dev-size", "0", "--out", "o"]).contains("give --dev-size or --test-size"))
    XCTAssertTrue(message(["corpus", "tokenize"]).contains("exactly one of --checkpoint and --config"))
    XCTAssertTrue(message(["corpus", "tokenize", "--config", "a", "--checkpoint", "b"]).contains("exactly one"))
  }
}
