// One declaration per config key. A config section (ModelConfig, DataConfig, TrainingConfig,
// LoggingConfig) lists its keys once, in `keys`: name, value type and allowed range or choices,
// one-line doc, and where the value lives (a key path). The default is the property's initial
// value, or a rule when it depends on other keys. From that list come: the YAML loader
// (AttendTraining/ConfigLoader.swift), range validation (`rangeProblems`), the JSON that runs and
// checkpoints store and its lenient reading (`DeclaredConfig`'s Codable), and the tables of
// docs/config-reference.md (`ConfigReference`, pinned by a test).

/// A config value as read from a file or stored JSON, before it is put into its section.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
  case integer(Int)
  case unsigned(UInt64)
  case number(Double)
  case bool(Bool)
  /// A choice's spelling, a path or a name.
  case text(String)
  /// An optional value that is not set.
  case unset

  /// As the reference's Default column and messages write it: `128`, `0.001`, `true`, `bahdanau`.
  public var description: String {
    switch self {
    case .integer(let v): return String(v)
    case .unsigned(let v): return String(v)
    case .number(let v): return String(v)
    case .bool(let v): return String(v)
    case .text(let v): return v
    case .unset: return "none"
    }
  }
}

/// Where a number must lie.
public enum NumberRange: Sendable, Equatable {
  case positive, nonNegative, unitInterval, positiveUnitInterval, belowOne

  /// "> 0", "in [0, 1]": the range as the reference and the messages write it.
  public var text: String {
    switch self {
    case .positive: return "> 0"
    case .nonNegative: return ">= 0"
    case .unitInterval: return "in [0, 1]"
    case .positiveUnitInterval: return "in (0, 1]"
    case .belowOne: return "in [0, 1)"
    }
  }

  public func contains(_ x: Double) -> Bool {
    switch self {
    case .positive: return x > 0
    case .nonNegative: return x >= 0
    case .unitInterval: return x >= 0 && x <= 1
    case .positiveUnitInterval: return x > 0 && x <= 1
    case .belowOne: return x >= 0 && x < 1
    }
  }
}

/// What values a key takes: its type with its range or choices.
public enum ConfigValueType: Sendable, Equatable {
  /// An integer ≥ `atLeast`.
  case integer(atLeast: Int)
  /// A non-negative integer up to 2^64 − 1 (seeds).
  case unsigned
  /// A finite number in `range`.
  case number(NumberRange)
  case bool
  /// One of these spellings.
  case choice([String])
  /// A non-empty path; `nullable`: may be absent or null (an optional file).
  case path(nullable: Bool)
  /// A non-empty name without '/' (it names a directory).
  case name

  /// "an integer > 0", "a number in [0, 1]", "one of a, b": what a value must be.
  public var expected: String {
    switch self {
    case .integer(let minimum): return minimum == 1 ? "an integer > 0" : "an integer >= \(minimum)"
    case .unsigned: return "a non-negative integer"
    case .number(let range): return "a number \(range.text)"
    case .bool: return "true or false"
    case .choice(let choices): return "one of \(choices.joined(separator: ", "))"
    case .path: return "a non-empty path"
    case .name: return "a name without '/' (it names a directory under checkpoint_dir)"
    }
  }

  /// The reference's Type column: "integer > 0", "number in [0, 1)", "choice", "bool", "path".
  public var documented: String {
    switch self {
    case .integer(let minimum): return minimum == 1 ? "integer > 0" : "integer ≥ \(minimum)"
    case .unsigned: return "integer ≥ 0"
    case .number(let range): return "number \(range.text.replacingOccurrences(of: ">=", with: "≥"))"
    case .bool: return "bool"
    case .choice: return "choice"
    case .path: return "path"
    case .name: return "name (no `/`)"
    }
  }

  /// Whether `value` has this type and lies in its range (`.unset` only for nullable paths and
  /// optional keys, which the caller allows).
  public func accepts(_ value: ConfigValue) -> Bool {
    switch (self, value) {
    case (.integer(let minimum), .integer(let v)): return v >= minimum
    case (.unsigned, .unsigned): return true
    case (.number(let range), .number(let v)): return v.isFinite && range.contains(v)
    case (.bool, .bool): return true
    case (.choice(let choices), .text(let v)): return choices.contains(v)
    case (.path, .text(let v)): return !v.isEmpty
    case (.name, .text(let v)): return !v.isEmpty && !v.contains("/") && v != "." && v != ".."
    default: return false
    }
  }
}

/// One key of a config section: everything about it in one place.
public struct ConfigKey<Section>: Sendable {
  /// As written in YAML files and stored JSON: snake_case ("hidden_size").
  public let name: String
  public let type: ConfigValueType
  /// One line for the reference's Meaning column.
  public let doc: String
  /// The Default column when it is not the value itself ("required", "`min_length`").
  public private(set) var defaultText: String?
  /// True when the key may be left unset (`.unset`): optional paths, per-side overrides, `decoder`.
  public let optional: Bool
  /// Set for a key a file must give: what it is for, for the "missing required key" message.
  public private(set) var requiredMeaning: String?
  /// Only stored (filled in from the data, e.g. vocabulary sizes), never read from a YAML file.
  public private(set) var storedOnly = false
  /// The default when it depends on other keys of the section, applied when the key is unset.
  public private(set) var derivedDefault: (@Sendable (Section) -> ConfigValue)?
  /// What an unset key meant in configs stored before the key existed, when not its default.
  public private(set) var storedDefault: ConfigValue?
  /// The key decides when to stop, where files go or what is logged, never what a training step
  /// computes: `attend train --resume` lets it differ from the checkpoint's (ResumeCheck).
  public private(set) var changeableOnResume = false
  let get: @Sendable (Section) -> ConfigValue
  let set: @Sendable (inout Section, ConfigValue) -> Void

  public func value(in section: Section) -> ConfigValue { get(section) }

  /// Puts `value` (of this key's type: checked by the caller) into `section`.
  public func assign(_ value: ConfigValue, to section: inout Section) { set(&section, value) }

  /// The default derived from the other keys of `section` (with `learning_rate` unset, 1.0 for
  /// SGD). Only for keys with `derivedDefault`.
  func applyDerivedDefault(to section: inout Section) {
    if let derivedDefault { set(&section, derivedDefault(section)) }
  }

  private init(
    name: String, type: ConfigValueType, doc: String, defaultText: String? = nil, optional: Bool = false,
    get: @escaping @Sendable (Section) -> ConfigValue, set: @escaping @Sendable (inout Section, ConfigValue) -> Void
  ) {
    self.name = name
    self.type = type
    self.doc = doc
    self.defaultText = defaultText
    self.optional = optional
    self.get = get
    self.set = set
  }

  // MARK: Declaring keys

  public static func integer(
    _ name: String, _ path: WritableKeyPath<Section, Int> & Sendable, atLeast minimum: Int, _ doc: String
  ) -> ConfigKey {
    ConfigKey(
      name: name, type: .integer(atLeast: minimum), doc: doc, get: { .integer($0[keyPath: path]) },
      set: { if case .integer(let v) = $1 { $0[keyPath: path] = v } })
  }

  /// An integer that may be unset; `defaultText` says what unset means ("`min_length`").
  public static func integer(
    _ name: String, _ path: WritableKeyPath<Section, Int?> & Sendable, atLeast minimum: Int, unset defaultText: String,
    _ doc: String
  ) -> ConfigKey {
    ConfigKey(
      name: name, type: .integer(atLeast: minimum), doc: doc, defaultText: defaultText, optional: true,
      get: { $0[keyPath: path].map(ConfigValue.integer) ?? .unset },
      set: {
        if case .integer(let v) = $1 { $0[keyPath: path] = v } else if $1 == .unset { $0[keyPath: path] = nil }
      })
  }

  public static func unsigned(_ name: String, _ path: WritableKeyPath<Section, UInt64> & Sendable, _ doc: String) -> ConfigKey {
    ConfigKey(
      name: name, type: .unsigned, doc: doc, get: { .unsigned($0[keyPath: path]) },
      set: { if case .unsigned(let v) = $1 { $0[keyPath: path] = v } })
  }

  public static func number(
    _ name: String, _ path: WritableKeyPath<Section, Double> & Sendable, _ range: NumberRange, _ doc: String
  ) -> ConfigKey {
    ConfigKey(
      name: name, type: .number(range), doc: doc, get: { .number($0[keyPath: path]) },
      set: { if case .number(let v) = $1 { $0[keyPath: path] = v } })
  }

  public static func bool(_ name: String, _ path: WritableKeyPath<Section, Bool> & Sendable, _ doc: String) -> ConfigKey {
    ConfigKey(
      name: name, type: .bool, doc: doc, get: { .bool($0[keyPath: path]) },
      set: { if case .bool(let v) = $1 { $0[keyPath: path] = v } })
  }

  /// A key whose values are the cases of `Choice`, spelled as their raw values.
  public static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ path: WritableKeyPath<Section, Choice> & Sendable, _ doc: String
  ) -> ConfigKey where Choice.RawValue == String {
    ConfigKey(
      name: name, type: .choice(Choice.allCases.map(\.rawValue)), doc: doc, get: { .text($0[keyPath: path].rawValue) },
      set: { if case .text(let v) = $1, let choice = Choice(rawValue: v) { $0[keyPath: path] = choice } })
  }

  /// A choice that may be unset; `defaultText` says what unset means.
  public static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ path: WritableKeyPath<Section, Choice?> & Sendable, unset defaultText: String, _ doc: String
  ) -> ConfigKey where Choice.RawValue == String {
    ConfigKey(
      name: name, type: .choice(Choice.allCases.map(\.rawValue)), doc: doc, defaultText: defaultText, optional: true,
      get: { $0[keyPath: path].map { .text($0.rawValue) } ?? .unset },
      set: {
        if case .text(let v) = $1, let choice = Choice(rawValue: v) {
          $0[keyPath: path] = choice
        } else if $1 == .unset {
          $0[keyPath: path] = nil
        }
      })
  }

  /// A path that must be set (it may still be required: see `required`).
  public static func path(_ name: String, _ path: WritableKeyPath<Section, String> & Sendable, _ doc: String) -> ConfigKey {
    ConfigKey(
      name: name, type: .path(nullable: false), doc: doc, get: { .text($0[keyPath: path]) },
      set: { if case .text(let v) = $1 { $0[keyPath: path] = v } })
  }

  /// A path that may be unset (null in YAML: none).
  public static func path(_ name: String, _ path: WritableKeyPath<Section, String?> & Sendable, _ doc: String) -> ConfigKey {
    ConfigKey(
      name: name, type: .path(nullable: true), doc: doc, defaultText: "none", optional: true,
      get: { $0[keyPath: path].map(ConfigValue.text) ?? .unset },
      set: {
        if case .text(let v) = $1 { $0[keyPath: path] = v } else if $1 == .unset { $0[keyPath: path] = nil }
      })
  }

  /// A name used as a directory name.
  public static func name(
    _ name: String, _ path: WritableKeyPath<Section, String> & Sendable, default defaultText: String, _ doc: String
  ) -> ConfigKey {
    ConfigKey(
      name: name, type: .name, doc: doc, defaultText: defaultText, get: { .text($0[keyPath: path]) },
      set: { if case .text(let v) = $1 { $0[keyPath: path] = v } })
  }

  /// This key with a default computed from the other keys when it is unset; `text` says how.
  public func derived(_ text: String, _ rule: @escaping @Sendable (Section) -> ConfigValue) -> ConfigKey {
    var key = self
    (key.defaultText, key.derivedDefault) = (text, rule)
    return key
  }

  /// This key as one a file must set; `meaning` says what it is for.
  public func required(_ meaning: String) -> ConfigKey {
    var key = self
    (key.defaultText, key.requiredMeaning) = ("required", meaning)
    return key
  }

  /// This key, read as `value` from a stored config that lacks it (written before it existed).
  public func whenAbsentFromStoredConfigs(_ value: ConfigValue) -> ConfigKey {
    var key = self
    key.storedDefault = value
    return key
  }

  /// This key as one a resumed run may change (see `changeableOnResume`).
  public func changeableOnResumeKey() -> ConfigKey {
    var key = self
    key.changeableOnResume = true
    return key
  }

  /// This key as a stored-only value (filled in by Attend, not accepted in a config file).
  public func storedOnlyKey() -> ConfigKey {
    var key = self
    key.storedOnly = true
    return key
  }
}
