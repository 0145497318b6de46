import CSQLite
import Foundation
import XCTest

@testable import AttendStorage

final class SQLiteDatabaseTests: XCTestCase {
  private func makeDatabase() throws -> (SQLiteDatabase, String) {
    let path = try makeTemporaryDirectory() + "/test.sqlite"
    return (try SQLiteDatabase(path: path), path)
  }

  func testOpenSetsWALNormalSyncForeignKeysAndBusyTimeout() throws {
    let (db, _) = try makeDatabase()
    XCTAssertEqual(try db.journalMode, "wal")
    XCTAssertEqual(try db.scalarInt("PRAGMA synchronous"), 1)  // NORMAL
    XCTAssertEqual(try db.scalarInt("PRAGMA foreign_keys"), 1)
    XCTAssertEqual(try db.scalarInt("PRAGMA busy_timeout"), 5000)
  }

  func testValuesRoundTripWithTheirStorageClass() throws {
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (a, b, c, d, e, f, g)")
    let values: [SQLiteValue] = [
      .integer(Int64.min), .real(-0.125), .text("héllo\u{0}wörld"), .text(""), .blob([0, 1, 255]), .blob([]),
      .null,
    ]
    try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", values)
    XCTAssertEqual(try db.query("SELECT * FROM t"), [values])
  }

  func testRolledBackTransactionLeavesNoRows() throws {
    struct Boom: Error {}
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (x INTEGER)")
    XCTAssertThrowsError(
      try db.transaction {
        try db.run("INSERT INTO t VALUES (1)")
        try db.run("INSERT INTO t VALUES (2)")
        throw Boom()
      }
    ) { XCTAssertTrue($0 is Boom) }
    XCTAssertFalse(db.isInTransaction)
    XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM t"), 0)
  }

  func testNestedTransactionRollsBackOnlyItsOwnWork() throws {
    struct Boom: Error {}
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (x INTEGER)")
    try db.transaction {
      try db.run("INSERT INTO t VALUES (1)")
      _ = try? db.transaction {
        try db.run("INSERT INTO t VALUES (2)")
        throw Boom()
      }
    }
    XCTAssertEqual(try db.query("SELECT x FROM t"), [[.integer(1)]])
  }

  func testCommittedTransactionReturnsTheBodysValue() throws {
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y)")
    let id = try db.transaction { () -> Int64 in
      try db.run("INSERT INTO t (y) VALUES ('a')")
      return db.lastInsertRowID
    }
    XCTAssertEqual(id, 1)
    XCTAssertEqual(try db.scalarText("SELECT y FROM t WHERE x = ?", [.integer(id)]), "a")
  }

  func testSecondConnectionReadsWhileAWriteTransactionIsOpen() throws {
    let (writer, path) = try makeDatabase()
    try writer.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
    let reader = try SQLiteDatabase(path: path)
    try writer.transaction {
      try writer.run("INSERT INTO t VALUES (2)")
      let start = Date()
      // WAL: the reader sees the last committed state at once instead of waiting for the lock.
      XCTAssertEqual(try reader.scalarInt("SELECT count(*) FROM t"), 1)
      XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }
    XCTAssertEqual(try reader.scalarInt("SELECT count(*) FROM t"), 2)
  }

  func testErrorsCarryCodeMessageAndSQL() throws {
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    try db.run("INSERT INTO t VALUES (1)")
    let sql = "INSERT INTO t VALUES (1)"
    XCTAssertThrowsError(try db.run(sql)) { error in
      guard let error = error as? SQLiteError else { return XCTFail("\(error)") }
      XCTAssertEqual(error.code, SQLITE_CONSTRAINT | (6 << 8))  // SQLITE_CONSTRAINT_PRIMARYKEY
      XCTAssertEqual(error.primaryCode, SQLITE_CONSTRAINT)
      XCTAssertTrue(error.message.contains("UNIQUE constraint failed"), error.message)
      XCTAssertEqual(error.sql, sql)
      XCTAssertTrue(error.description.contains(sql))
    }
    XCTAssertThrowsError(try db.prepare("SELEKT 1")) { error in
      XCTAssertEqual((error as? SQLiteError)?.sql, "SELEKT 1")
      XCTAssertTrue("\(error)".contains("syntax error"), "\(error)")
    }
  }

  func testPrepareRejectsASecondStatementAndBindChecksTheArgumentCount() throws {
    let (db, _) = try makeDatabase()
    XCTAssertNoThrow(try db.prepare("SELECT 1; "))
    XCTAssertThrowsError(try db.prepare("SELECT 1; SELECT 2")) {
      XCTAssertEqual(($0 as? SQLiteError)?.code, SQLITE_MISUSE)
    }
    XCTAssertThrowsError(try db.query("SELECT ?, ?", [.integer(1)])) {
      XCTAssertEqual(($0 as? SQLiteError)?.code, SQLITE_RANGE)
    }
  }

  func testUserVersionGetsAndSets() throws {
    let (db, _) = try makeDatabase()
    XCTAssertEqual(try db.userVersion, 0)
    try db.setUserVersion(7)
    XCTAssertEqual(try db.userVersion, 7)
  }

  func testStatementCanBeReusedAfterReset() throws {
    let (db, _) = try makeDatabase()
    try db.execute("CREATE TABLE t (x INTEGER)")
    let insert = try db.prepare("INSERT INTO t VALUES (?)")
    for x in 0..<5 { try insert.execute([.integer(Int64(x))]) }
    let select = try db.prepare("SELECT x FROM t WHERE x >= ? ORDER BY x")
    XCTAssertEqual(try select.rows([.integer(3)]), [[.integer(3)], [.integer(4)]])
    XCTAssertEqual(try select.rows([.integer(4)]), [[.integer(4)]])
    XCTAssertEqual(select.columnName(0), "x")
  }
}
