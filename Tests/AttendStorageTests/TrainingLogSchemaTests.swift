import Foundation
import XCTest

@testable import AttendStorage

/// The schema's history: version 1 files upgrade in place, failed upgrades change nothing, and
/// docs/database.md documents every column and view that exists.
final class TrainingLogSchemaTests: XCTestCase {
  /// A version-1 training log as the version-1 code wrote it: `createVersion1` (kept verbatim in
  /// the schema history) and rows inserted with version-1 columns only.
  private func makeVersion1Log() throws -> String {
    let path = try makeTemporaryDirectory() + "/v1.sqlite"
    let db = try SQLiteDatabase(path: path)
    try db.execute(TrainingLogSchema.createVersion1)
    try db.setUserVersion(1)
    try db.execute(
      """
      INSERT INTO runs (id, name, config, seed, source_vocab_size, target_vocab_size, train_pairs, blas,
                        started_at, ended_at, status, final_step, best_bleu, pid, host)
      VALUES (1, 'old', '{"hidden":8}', 7, 30, 31, 1000, 'openblas', '2025-01-31T12:00:00.000Z',
              '2025-01-31T12:05:00.000Z', 'completed', 20, 42.5, 1, 'elsewhere');
      INSERT INTO steps VALUES (1, 10, 0, 2.5, 12.2, 0.001, 0.9, 1000, 1.5);
      INSERT INTO steps VALUES (1, 20, 0, 1.5, 4.5, 0.001, 0.7, 1100, 3.0);
      INSERT INTO evaluations VALUES (1, 10, 2.2, 30.0, 'sig', 1.6);
      INSERT INTO evaluations VALUES (1, 20, 1.9, 42.5, 'sig', 3.1);
      INSERT INTO checkpoints (run_id, step, path, bleu, is_best, created_at)
      VALUES (1, 20, 'checkpoints/old/best.ckpt', 42.5, 1, '2025-01-31T12:05:00.000Z');
      INSERT INTO probes VALUES (1, 0, 'a b', 'b a');
      INSERT INTO alignments VALUES (1, 20, 0, 0, 0, 'b', 'a', 0.25), (1, 20, 0, 0, 1, 'b', 'b', 0.75),
                                    (1, 20, 0, 1, 0, 'a', 'a', 0.5), (1, 20, 0, 1, 1, 'a', 'b', 0.5);
      """)
    return path
  }

  private func columns(_ db: SQLiteDatabase, _ table: String) throws -> [String] {
    try db.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)]).map { $0[0].textValue! }
  }

  func testVersion1FileUpgradesInPlaceKeepingEveryRow() throws {
    let path = try makeVersion1Log()
    let log = try TrainingLog(path: path)
    XCTAssertEqual(try log.database.userVersion, TrainingLogSchema.version)
    XCTAssertEqual(try log.database.scalarText("PRAGMA integrity_check"), "ok")
    XCTAssertEqual(try log.database.query("PRAGMA foreign_key_check"), [])

    let run = try XCTUnwrap(try log.run(id: 1))
    XCTAssertEqual(run.name, "old")
    XCTAssertEqual(run.status, .completed, "a finished run on another host stays as it was")
    XCTAssertEqual(run.bestBLEU, 42.5)
    XCTAssertEqual(run.bestBLEUStep, 20)
    XCTAssertEqual(run.resumeCount, 0)
    XCTAssertNil(run.devPairs)
    XCTAssertEqual(try log.steps(runID: 1).map(\.loss), [2.5, 1.5])
    XCTAssertEqual(
      try log.evaluations(runID: 1),
      [
        EvaluationRecord(runID: 1, step: 10, devLoss: 2.2, bleu: 30, bleuSignature: "sig", elapsedSeconds: 1.6),
        EvaluationRecord(runID: 1, step: 20, devLoss: 1.9, bleu: 42.5, bleuSignature: "sig", elapsedSeconds: 3.1),
      ], "the new chrF and AER columns read as NULL on old rows")
    XCTAssertEqual(try log.bestCheckpoint(runID: 1)?.path, "checkpoints/old/best.ckpt")
    XCTAssertEqual(try log.alignment(runID: 1, step: 20, probe: 0)?.weights, [0.25, 0.75, 0.5, 0.5])

    // The version-2 views work on the upgraded file, and new writes use the new columns.
    XCTAssertEqual(
      try log.database.query("SELECT step, bleu, chrf FROM best_evaluations"), [[.integer(20), .real(42.5), .null]])
    let entropy = try XCTUnwrap(
      try log.database.scalarDouble("SELECT entropy FROM alignment_entropy WHERE target_position = 1"))
    XCTAssertEqual(entropy, Foundation.log(2.0), accuracy: 1e-12)
    try log.logEvaluation(
      runID: 1, step: 30, devLoss: 1.8, bleu: 50, bleuSignature: "sig", elapsedSeconds: 4, chrF: 61.5, aer: 0.2)
    XCTAssertEqual(try log.evaluations(runID: 1).last?.chrF, 61.5)
    XCTAssertEqual(try log.evaluations(runID: 1).last?.aer, 0.2)
  }

  func testUpgradedAndFreshLogsHaveTheSameColumns() throws {
    let upgraded = try TrainingLog(path: try makeVersion1Log()).database
    let fresh = try TrainingLog(path: try makeTemporaryDirectory() + "/fresh.sqlite").database
    let objects = "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    XCTAssertEqual(try upgraded.query(objects), try fresh.query(objects))
    for row in try fresh.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')") {
      let name = row[0].textValue!
      XCTAssertEqual(try columns(upgraded, name), try columns(fresh, name), name)
    }
    XCTAssertTrue(try columns(fresh, "evaluations").contains("chrf"))
    XCTAssertTrue(try columns(fresh, "evaluations").contains("aer"))
    XCTAssertTrue(try columns(fresh, "runs").contains("final_dev_loss"))
  }

  func testFailedUpgradeLeavesTheVersion1FileUnchanged() throws {
    let path = try makeVersion1Log()
    // A user's own view with the name version 2 needs makes the upgrade fail half-way through.
    try SQLiteDatabase(path: path).execute("CREATE VIEW alignment_entropy AS SELECT 1 AS x")
    XCTAssertThrowsError(try TrainingLog(path: path)) { error in
      guard case .upgradeFailed(let failedPath, let from, let to, let reason)? = error as? TrainingLogError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(failedPath, path)
      XCTAssertEqual(from, 1)
      XCTAssertEqual(to, 2)
      XCTAssertTrue(reason.contains("alignment_entropy"), reason)
      XCTAssertTrue("\(error)".contains("the file is unchanged"))
    }
    let db = try SQLiteDatabase(path: path)
    XCTAssertEqual(try db.userVersion, 1)
    XCTAssertFalse(try columns(db, "evaluations").contains("chrf"), "the ALTER TABLEs were rolled back")
    XCTAssertFalse(try columns(db, "runs").contains("dev_pairs"))
    XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM steps"), 2)
    XCTAssertEqual(try db.scalarText("PRAGMA integrity_check"), "ok")
  }

  func testEveryColumnAndViewIsDocumentedInDocsDatabase() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let docs = try String(contentsOf: root.appendingPathComponent("docs/database.md"), encoding: .utf8)
    // Sections start at "### `name`"; each must mention every column of its table or view.
    var sections: [String: String] = [:]
    for chunk in docs.components(separatedBy: "\n### ").dropFirst() {
      guard let open = chunk.firstIndex(of: "`"), let close = chunk[chunk.index(after: open)...].firstIndex(of: "`")
      else { continue }
      sections[String(chunk[chunk.index(after: open)..<close])] = chunk
    }
    let db = try TrainingLog(path: try makeTemporaryDirectory() + "/log.sqlite").database
    XCTAssertTrue(docs.contains("user_version") && docs.contains("\(TrainingLogSchema.version)"))
    for row in try db.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'") {
      let name = row[0].textValue!
      let section = try XCTUnwrap(sections[name], "docs/database.md has no \"### `\(name)`\" section")
      for column in try columns(db, name) {
        XCTAssertTrue(section.contains("`\(column)`"), "docs/database.md: \(name).\(column) is not documented")
      }
    }
  }
}
