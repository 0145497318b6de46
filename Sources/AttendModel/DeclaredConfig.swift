/// A config section whose keys are declared once, in `keys` (ConfigKey.swift). Its stored form
/// (the JSON of runs and checkpoint headers) and its range checks come from those declarations.
public protocol DeclaredConfig: Codable, Equatable, Sendable {
  /// Every key, in the order the reference lists them.
  static var keys: [ConfigKey<Self>] { get }
  /// Every key at its default (derived defaults not applied: they follow the keys that are set).
  static var defaults: Self { get }
}

extension DeclaredConfig {
  /// The keys a config file may set.
  public static var fileKeys: [ConfigKey<Self>] { keys.filter { !$0.storedOnly } }

  public static func key(named name: String) -> ConfigKey<Self>? { keys.first { $0.name == name } }

  /// Fills the keys with derived defaults that `isSet` says were not given.
  public mutating func applyDerivedDefaults(isSet: (String) -> Bool) {
    for key in Self.keys where !isSet(key.name) { key.applyDerivedDefault(to: &self) }
  }

  /// Every value outside its key's range, as (key, "must be …, found …"), in key order.
  public func rangeProblems() -> [(key: String, message: String)] {
    Self.keys.compactMap { key in
      let value = key.value(in: self)
      guard !(value == .unset && key.optional), !key.type.accepts(value) else { return nil }
      return (key.name, "must be \(key.type.expected), found \(value)")
    }
  }

  /// Reads a stored section: every key the JSON holds, of its key's type (a choice one of its
  /// choices; ranges are left to the caller's checks, e.g. `ModelConfig.problems()`, which name
  /// the key); a key it lacks (written by an older Attend) keeps its default, its derived
  /// default, or what such configs meant (`whenAbsentFromStoredConfigs`). Keys match whatever
  /// the decoder's key strategy makes of them ("hidden_size" or "hiddenSize").
  public init(declaredFrom decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: StoredConfigKey.self)
    var stored: [String: StoredConfigKey] = [:]
    for key in container.allKeys { stored[StoredConfigKey.folded(key.stringValue)] = key }
    var section = Self.defaults
    for key in Self.keys {
      guard let codingKey = stored[StoredConfigKey.folded(key.name)] else {
        if let value = key.storedDefault { key.assign(value, to: &section) }
        continue
      }
      key.assign(try Self.decodeValue(of: key, in: container, at: codingKey), to: &section)
    }
    section.applyDerivedDefaults { stored[StoredConfigKey.folded($0)] != nil }
    self = section
  }

  private static func decodeValue(
    of key: ConfigKey<Self>, in container: KeyedDecodingContainer<StoredConfigKey>, at codingKey: StoredConfigKey
  ) throws -> ConfigValue {
    if try container.decodeNil(forKey: codingKey) { return .unset }
    switch key.type {
    case .integer: return .integer(try container.decode(Int.self, forKey: codingKey))
    case .unsigned: return .unsigned(try container.decode(UInt64.self, forKey: codingKey))
    case .number: return .number(try container.decode(Double.self, forKey: codingKey))
    case .bool: return .bool(try container.decode(Bool.self, forKey: codingKey))
    case .choice(let choices):
      let choice = try container.decode(String.self, forKey: codingKey)
      guard choices.contains(choice) else {
        throw DecodingError.dataCorruptedError(
          forKey: codingKey, in: container, debugDescription: "unknown choice '\(choice)', expected \(key.type.expected)")
      }
      return .text(choice)
    case .path, .name: return .text(try container.decode(String.self, forKey: codingKey))
    }
  }

  /// Writes every key that is set, under its config name; unset optional keys are left out.
  public func encodeDeclared(to encoder: Swift.Encoder) throws {
    var container = encoder.container(keyedBy: StoredConfigKey.self)
    for key in Self.keys {
      let codingKey = StoredConfigKey(stringValue: key.name)
      switch key.value(in: self) {
      case .integer(let v): try container.encode(v, forKey: codingKey)
      case .unsigned(let v): try container.encode(v, forKey: codingKey)
      case .number(let v): try container.encode(v, forKey: codingKey)
      case .bool(let v): try container.encode(v, forKey: codingKey)
      case .text(let v): try container.encode(v, forKey: codingKey)
      case .unset: continue
      }
    }
  }
}

/// A config key's name as a coding key.
public struct StoredConfigKey: CodingKey {
  public var stringValue: String
  public var intValue: Int? { nil }
  public init(stringValue: String) { self.stringValue = stringValue }
  public init?(intValue: Int) { nil }

  /// "hidden_size", "hiddenSize" → "hiddensize": one spelling whatever the key strategy did.
  static func folded(_ name: String) -> String { name.lowercased().filter { $0 != "_" } }
}
