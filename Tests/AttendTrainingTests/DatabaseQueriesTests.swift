import AttendKernels
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// docs/database.md promises that its ready queries run as written against a database written by
/// `attend train --config configs/reverse.yaml`. This trains exactly that config (into a
/// temporary database and checkpoint directory) and runs every ```sql block of the page, through
/// Attend's SQLite layer and, when installed, through the `sqlite3` shell.
final class DatabaseQueriesTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  /// The fenced ```sql blocks of a Markdown text, in order.
  static func sqlBlocks(_ markdown: String) -> [String] {
    var blocks: [String] = []
    var current: [Substring]?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line.trimmingCharacters(in: .whitespaces) == "```sql" {
        current = []
      } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
        blocks.append(current!.joined(separator: "\n"))
        current = nil
      } else {
        current?.append(line)
      }
    }
    return blocks
  }

  func testEveryReadyQueryInDocsDatabaseRunsOnTheReverseConfigsDatabase() throws {
    #if DEBUG
      throw XCTSkip("trains configs/reverse.yaml (~10 s in release, hours in debug): run swift test -c release")
    #else
      try BLAS.load()
      let directory = NSTemporaryDirectory() + "attend-queries-\(UUID().uuidString)"
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let configPath = Self.root + "/configs/reverse.yaml"
      var config = try ExperimentConfig.parse(
        yaml: try String(contentsOfFile: configPath, encoding: .utf8), file: configPath, baseDirectory: Self.root)
      config.logging.database = directory + "/attend.sqlite"
      config.training.checkpointDir = directory + "/checkpoints"
      let trainer = Trainer(config: config)
      trainer.log = { _ in }
      _ = try trainer.run()

      let docs = try String(contentsOfFile: Self.root + "/docs/database.md", encoding: .utf8)
      var queries = Self.sqlBlocks(docs)
      XCTAssertGreaterThanOrEqual(queries.count, 4, "the four ready queries of the issue, at least")
      // The README's copy of the ready queries, between its database-queries markers, runs too.
      let readme = (try? String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)) ?? ""
      if let begin = readme.range(of: "<!-- database-queries:begin"),
        let end = readme.range(of: "<!-- database-queries:end -->", range: begin.upperBound..<readme.endIndex)
      {
        let readmeQueries = Self.sqlBlocks(String(readme[begin.upperBound..<end.lowerBound]))
        XCTAssertGreaterThanOrEqual(readmeQueries.count, 4, "README's ready queries")
        queries += readmeQueries
      }
      let db = try SQLiteDatabase(path: config.logging.database)
      let aerLogged = (try db.scalarInt("SELECT count(*) FROM evaluations WHERE aer IS NOT NULL") ?? 0) > 1
      for query in queries {
        let rows = try db.query(query)
        if query.contains("aer") && !aerLogged { continue }  // no gold alignments scored: no rows
        XCTAssertFalse(rows.isEmpty, "no rows from:\n\(query)")
      }
      XCTAssertEqual(
        try db.scalarText(queries[0].replacingOccurrences(of: "SELECT r.id,", with: "SELECT r.name, r.id,")), "reverse",
        "the comparison query finds the reverse run")

      let shell = "/usr/bin/sqlite3"
      guard FileManager.default.isExecutableFile(atPath: shell) else { return }
      for query in queries {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = ["-bail", "-header", "-column", config.logging.database, query]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "sqlite3 failed on:\n\(query)\n\(problems)")
        XCTAssertEqual(problems, "")
        if !(query.contains("aer") && !aerLogged) { XCTAssertFalse(text.isEmpty, query) }
      }
    #endif
  }
}
