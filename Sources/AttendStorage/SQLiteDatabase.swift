import CSQLite

/// A connection to one SQLite database file: a thin layer over the C API.
///
/// On open the connection is set up for a training log written by one process and read by others:
/// write-ahead logging (readers never block the writer), `synchronous=NORMAL` (durable at each
/// checkpoint of the WAL, fast commits), a 5 s busy timeout, foreign keys enforced, extended result
/// codes. The handle is opened in serialized mode (`SQLITE_OPEN_FULLMUTEX`), but a transaction
/// belongs to whoever opened it: keep one connection per thread that writes.
public final class SQLiteDatabase {
  public let path: String
  let handle: OpaquePointer

  /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
  public static let busyTimeoutMilliseconds: Int32 = 5000

  /// Opens (creating if needed) the database at `path`. The parent directory must exist.
  public init(path: String) throws {
    self.path = path
    var connection: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
    let code = sqlite3_open_v2(path, &connection, flags, nil)
    guard code == SQLITE_OK, let connection else {
      let error = SQLiteError.last(of: connection, code: code, sql: nil)
      sqlite3_close_v2(connection)  // SQLite may hand back a handle even on failure
      throw SQLiteError(code: error.code, message: "cannot open \(path): \(error.message)")
    }
    handle = connection
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
    // `journal_mode` answers with a row; `execute` ignores rows. A file that is not a database
    // fails here, the first time SQLite reads it.
    try execute(
      """
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA foreign_keys = ON;
      """)
  }

  deinit {
    // `_v2` defers the close until every statement of this connection is finalised.
    sqlite3_close_v2(handle)
  }

  /// Runs one or more `;`-separated statements without arguments, discarding any rows.
  public func execute(_ sql: String) throws {
    var message: UnsafeMutablePointer<CChar>?
    let code = sqlite3_exec(handle, sql, nil, nil, &message)
    guard code == SQLITE_OK else {
      let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
      sqlite3_free(message)
      throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
    }
  }

  /// Compiles exactly one statement (trailing whitespace and `;` are allowed, a second statement is not).
  public func prepare(_ sql: String) throws -> SQLiteStatement {
    var statement: OpaquePointer?
    var rest = ""
    let code = sql.withCString { start -> Int32 in
      var tail: UnsafePointer<CChar>?
      let code = sqlite3_prepare_v2(handle, start, -1, &statement, &tail)
      if code == SQLITE_OK, let tail { rest = String(cString: tail) }
      return code
    }
    guard code == SQLITE_OK else {
      throw SQLiteError.last(of: handle, code: code, sql: sql)
    }
    guard let statement else {
      throw SQLiteError(code: SQLITE_MISUSE, message: "no statement to prepare", sql: sql)
    }
    if rest.contains(where: { !$0.isWhitespace && $0 != ";" }) {
      sqlite3_finalize(statement)
      throw SQLiteError(
        code: SQLITE_MISUSE,
        message: "prepare takes one statement; use execute for several", sql: sql)
    }
    return SQLiteStatement(database: self, sql: sql, handle: statement)
  }

  /// Runs `sql` with `arguments` and returns every row.
  public func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
    try prepare(sql).rows(arguments)
  }

  /// Runs `sql` with `arguments`, ignoring any rows.
  public func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws {
    try prepare(sql).execute(arguments)
  }

  /// The first column of the first row, or nil when there is no row.
  public func scalar(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> SQLiteValue? {
    let statement = try prepare(sql)
    try statement.bind(arguments)
    defer { statement.reset() }
    return try statement.step() ? statement.value(0) : nil
  }

  /// The first column of the first row as an integer; nil when there is no row or it is NULL.
  public func scalarInt(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int64? {
    try scalar(sql, arguments)?.integerValue
  }

  /// The first column of the first row as a double; nil when there is no row or it is NULL.
  public func scalarDouble(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Double? {
    try scalar(sql, arguments)?.realValue
  }

  /// The first column of the first row as text; nil when there is no row or it is NULL.
  public func scalarText(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> String? {
    try scalar(sql, arguments)?.textValue
  }

  /// Runs `body` in a transaction: `BEGIN IMMEDIATE` (takes the write lock up front, so the body
  /// never fails half-way with SQLITE_BUSY), `COMMIT` when it returns, `ROLLBACK` when it throws.
  /// Nested calls become savepoints, which roll back on their own.
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    if isInTransaction {
      return try savepoint(body)
    }
    try execute("BEGIN IMMEDIATE")
    let result: T
    do {
      result = try body()
      try execute("COMMIT")
    } catch {
      // A failed COMMIT leaves the transaction open too (e.g. a deferred foreign key check).
      if isInTransaction { try? execute("ROLLBACK") }
      throw error
    }
    return result
  }

  private func savepoint<T>(_ body: () throws -> T) throws -> T {
    try execute("SAVEPOINT attend_nested")
    do {
      let result = try body()
      try execute("RELEASE attend_nested")
      return result
    } catch {
      try? execute("ROLLBACK TO attend_nested; RELEASE attend_nested")
      throw error
    }
  }

  /// True between BEGIN and COMMIT/ROLLBACK.
  public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// The rowid of the last successful INSERT on this connection.
  public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  public var changes: Int { Int(sqlite3_changes(handle)) }

  /// `PRAGMA user_version`: the schema version the application stored.
  public var userVersion: Int {
    get throws { Int(try scalarInt("PRAGMA user_version") ?? 0) }
  }

  public func setUserVersion(_ version: Int) throws {
    try execute("PRAGMA user_version = \(version)")
  }

  /// `PRAGMA journal_mode` as SQLite reports it ("wal", or "memory" for `:memory:`).
  public var journalMode: String {
    get throws { try scalarText("PRAGMA journal_mode") ?? "" }
  }
}
