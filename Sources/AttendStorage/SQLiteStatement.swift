import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before `bind` returns.
/// (The C macro is a cast Swift cannot import.)
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. It keeps its connection alive and finalises itself when freed.
///
/// Typical use: `bind` the parameters, `step` until it returns false, reading columns while it
/// returns true; or `execute(_:)` for statements without rows and `rows(_:)` to collect them.
public final class SQLiteStatement {
  public let database: SQLiteDatabase
  public let sql: String
  let handle: OpaquePointer

  init(database: SQLiteDatabase, sql: String, handle: OpaquePointer) {
    self.database = database
    self.sql = sql
    self.handle = handle
  }

  deinit {
    sqlite3_finalize(handle)
  }

  /// Number of `?` parameters.
  public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

  /// Resets the statement and binds `values` to parameters 1...n, in order. The count must match.
  public func bind(_ values: [SQLiteValue]) throws {
    reset()
    sqlite3_clear_bindings(handle)
    guard values.count == parameterCount else {
      throw SQLiteError(
        code: SQLITE_RANGE,
        message: "statement expects \(parameterCount) arguments, got \(values.count)", sql: sql)
    }
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let code: Int32
      switch value {
      case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
      case .real(let v): code = sqlite3_bind_double(handle, index, v)
      case .text(var v):
        // Explicit byte length: text may contain NUL. An empty string may have no base address,
        // and a nil pointer would bind NULL.
        code = v.withUTF8 { utf8 in
          guard let base = utf8.baseAddress else {
            return sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
          }
          return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
            sqlite3_bind_text(handle, index, $0, Int32(utf8.count), sqliteTransient)
          }
        }
      case .blob(let v):
        // An empty array may have no base address, and a nil pointer would bind NULL.
        if v.isEmpty {
          code = sqlite3_bind_zeroblob(handle, index, 0)
        } else {
          code = v.withUnsafeBytes {
            sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), sqliteTransient)
          }
        }
      case .null: code = sqlite3_bind_null(handle, index)
      }
      guard code == SQLITE_OK else {
        throw SQLiteError.last(of: database.handle, code: code, sql: sql)
      }
    }
  }

  /// Advances to the next row: true when a row is available, false when the statement is done.
  public func step() throws -> Bool {
    let code = sqlite3_step(handle)
    switch code {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      // SQLITE_BUSY, SQLITE_CONSTRAINT_*, SQLITE_MISUSE, I/O errors...: all failures.
      let error = SQLiteError.last(of: database.handle, code: code, sql: sql)
      reset()
      throw error
    }
  }

  /// Rewinds the statement so it can run again; bindings are kept.
  public func reset() {
    // The return value repeats the last step's error, which `step` has already thrown.
    sqlite3_reset(handle)
  }

  /// Binds `values` and runs the statement to completion, ignoring any rows.
  public func execute(_ values: [SQLiteValue] = []) throws {
    try bind(values)
    defer { reset() }
    while try step() {}
  }

  /// Binds `values`, runs the statement and returns every row.
  public func rows(_ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
    try bind(values)
    defer { reset() }
    var result: [[SQLiteValue]] = []
    while try step() { result.append(row()) }
    return result
  }

  // MARK: Columns of the current row

  public var columnCount: Int { Int(sqlite3_column_count(handle)) }

  public func columnName(_ index: Int) -> String {
    sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
  }

  public func isNull(_ index: Int) -> Bool {
    sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
  }

  public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

  public func int(_ index: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(index))) }

  public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

  /// The column as text; nil for NULL.
  public func text(_ index: Int) -> String? {
    let column = Int32(index)
    guard let bytes = sqlite3_column_text(handle, column) else { return nil }
    let count = Int(sqlite3_column_bytes(handle, column))  // after column_text, as SQLite asks
    return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
  }

  /// The column as bytes; nil for NULL.
  public func blob(_ index: Int) -> [UInt8]? {
    let column = Int32(index)
    if sqlite3_column_type(handle, column) == SQLITE_NULL { return nil }
    let pointer = sqlite3_column_blob(handle, column)
    let count = Int(sqlite3_column_bytes(handle, column))
    guard let pointer, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  /// The column with its storage class.
  public func value(_ index: Int) -> SQLiteValue {
    switch sqlite3_column_type(handle, Int32(index)) {
    case SQLITE_INTEGER: return .integer(int64(index))
    case SQLITE_FLOAT: return .real(double(index))
    case SQLITE_TEXT: return .text(text(index) ?? "")
    case SQLITE_BLOB: return .blob(blob(index) ?? [])
    default: return .null
    }
  }

  /// Every column of the current row.
  public func row() -> [SQLiteValue] {
    (0..<columnCount).map(value)
  }
}
