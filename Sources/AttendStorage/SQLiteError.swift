import CSQLite

/// A failed SQLite call: the result code, SQLite's own message and the SQL that was running.
///
/// `code` is the extended result code (extended codes are enabled on every connection we open),
/// so a constraint failure reads `SQLITE_CONSTRAINT_FOREIGNKEY` (787) rather than plain 19.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
  /// Extended result code, e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`.
  public let code: Int32
  /// SQLite's message (`sqlite3_errmsg`) or our own for misuse detected before calling SQLite.
  public let message: String
  /// The statement being prepared or run, when there is one.
  public let sql: String?

  public init(code: Int32, message: String, sql: String? = nil) {
    self.code = code
    self.message = message
    self.sql = sql
  }

  /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, ...).
  public var primaryCode: Int32 { code & 0xff }

  public var description: String {
    let name = String(cString: sqlite3_errstr(code))
    var text = "SQLite error \(code) (\(name)): \(message)"
    if let sql { text += " — while running: \(sql)" }
    return text
  }

  /// The error of the connection's last failed call.
  static func last(of connection: OpaquePointer?, code: Int32, sql: String?) -> SQLiteError {
    let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
    return SQLiteError(code: code, message: message, sql: sql)
  }
}
