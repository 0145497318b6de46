/// One SQLite value, as bound to a parameter or read from a column.
public enum SQLiteValue: Equatable, Hashable {
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob([UInt8])
  case null

  /// The value as an integer, when it is one.
  public var integerValue: Int64? {
    if case .integer(let value) = self { return value }
    return nil
  }

  /// The value as a double; integers convert (SQLite hands back whole-valued REALs as integers
  /// only when the column affinity says so, so accepting both keeps readers simple).
  public var realValue: Double? {
    switch self {
    case .real(let value): return value
    case .integer(let value): return Double(value)
    default: return nil
    }
  }

  /// The value as text, when it is text.
  public var textValue: String? {
    if case .text(let value) = self { return value }
    return nil
  }

  /// The value as bytes, when it is a blob.
  public var blobValue: [UInt8]? {
    if case .blob(let value) = self { return value }
    return nil
  }

  public var isNull: Bool { self == .null }
}

extension SQLiteValue {
  /// `.integer`, or `.null` for nil.
  public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
  /// `.integer`, or `.null` for nil.
  public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
  /// `.real`, or `.null` for nil. SQLite itself stores a NaN as NULL.
  public init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
  /// `.text`, or `.null` for nil.
  public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
}
