import AttendModel
import Yams

/// The entries of one YAML mapping, checked against the valid names on construction (unknown and
/// non-string keys are rejected); `read(into:)` puts every declared key the mapping sets into a
/// section, throwing a `ConfigError` naming file, line and key path for a value of the wrong
/// type or out of range.
struct MappingReader {
  struct Entry {
    var keyLine: Int?
    var value: Node
  }

  let file: String
  /// Section name ("model"), nil for the top level.
  let section: String?
  /// Line of the section's key (of the document, at the top level): where missing keys are reported.
  let line: Int?
  private var entries: [String: Entry] = [:]

  /// `node` nil or null reads as an empty mapping; `line` is where the mapping's key stands.
  init(file: String, section: String?, line: Int?, node: Node?, validNames: [String]) throws {
    self.file = file
    self.section = section
    self.line = line
    guard let node, !isNull(node) else { return }
    guard case .mapping(let mapping) = node else {
      let expected = section == nil
        ? "a mapping of sections (\(validNames.joined(separator: ", ")))"
        : "a mapping of keys (\(validNames.joined(separator: ", ")))"
      throw ConfigError(
        file: file, line: node.mark?.line ?? line, keyPath: section,
        problem: .wrongType(expected: expected, found: describe(node), hint: nil))
    }
    for (keyNode, value) in mapping {
      let keyLine = keyNode.mark?.line
      guard case .scalar(let scalar) = keyNode else {
        throw ConfigError(
          file: file, line: keyLine, keyPath: section,
          problem: .wrongType(expected: "a key name", found: describe(keyNode), hint: nil))
      }
      let name = scalar.string
      guard validNames.contains(name) else {
        let suggestion = closestName(to: name, among: validNames)
        throw ConfigError(
          file: file, line: keyLine, keyPath: section,
          problem: section == nil
            ? .unknownSection(name, suggestion: suggestion, validSections: validNames)
            : .unknownKey(name, suggestion: suggestion, validKeys: validNames))
      }
      entries[name] = Entry(keyLine: keyLine, value: value)
    }
  }

  func entry(_ name: String) -> Entry? { entries[name] }

  /// The names the mapping sets.
  var writtenNames: Set<String> { Set(entries.keys) }

  /// The reader for a nested section (top level only).
  func reader<Section>(for name: String, keys: [ConfigKey<Section>]) throws -> MappingReader {
    let entry = entry(name)
    return try MappingReader(
      file: file, section: name, line: entry?.keyLine, node: entry?.value, validNames: keys.map(\.name))
  }

  /// Sets every key of `Section` the mapping holds, checked against its declaration, then the
  /// derived defaults of those it does not; a required key that is absent or null is an error.
  func read<Section: DeclaredConfig>(into section: inout Section) throws {
    for key in Section.fileKeys {
      guard let entry = entry(key.name), !(isNull(entry.value) && key.requiredMeaning != nil) else {
        if let meaning = key.requiredMeaning {
          // Point at the key if it is there with no value, else at the section.
          throw ConfigError(
            file: file, line: entry(key.name)?.keyLine ?? line, keyPath: self.section,
            problem: .missingKey(key.name, meaning: meaning))
        }
        continue
      }
      key.assign(try value(of: key, entry), to: &section)
    }
    section.applyDerivedDefaults { entries[$0] != nil }
  }

  private func fail<Section>(_ key: ConfigKey<Section>, _ entry: Entry, _ problem: ConfigError.Problem) -> ConfigError {
    ConfigError(
      file: file, line: entry.value.mark?.line ?? entry.keyLine,
      keyPath: section.map { "\($0).\(key.name)" } ?? key.name, problem: problem)
  }

  /// The value of `key`'s entry: of its type (else a wrong-type error) and in its range (else an
  /// out-of-range error, or an unknown choice).
  private func value<Section>(of key: ConfigKey<Section>, _ entry: Entry) throws -> ConfigValue {
    let value: ConfigValue
    // The value as the file writes it, for messages: "'1.0'" stays "'1.0'", "'1'" stays "'1'".
    let found = "'\(entry.value.scalar?.string ?? "")'"
    switch key.type {
    case .integer:
      let text = try plainScalar(key, entry, expected: "an integer")
      guard let v = Int(text) else {
        throw fail(key, entry, .wrongType(expected: "an integer", found: "'\(text)'", hint: nil))
      }
      value = .integer(v)
    case .unsigned:
      let text = try plainScalar(key, entry, expected: key.type.expected)
      guard let v = UInt64(text) else {
        throw fail(
          key, entry,
          Int(text) != nil
            ? .outOfRange(expected: key.type.expected, found: "'\(text)'")
            : .wrongType(expected: key.type.expected, found: "'\(text)'", hint: nil))
      }
      value = .unsigned(v)
    case .number:
      let text = try plainScalar(key, entry, expected: "a number")
      guard let v = Double(text), v.isFinite else {
        throw fail(key, entry, .wrongType(expected: "a number", found: "'\(text)'", hint: nil))
      }
      value = .number(v)
    case .bool:
      let text = try plainScalar(key, entry, expected: key.type.expected)
      switch text.lowercased() {
      case "true", "yes", "on": value = .bool(true)
      case "false", "no", "off": value = .bool(false)
      default: throw fail(key, entry, .wrongType(expected: key.type.expected, found: "'\(text)'", hint: nil))
      }
    case .choice(let choices):
      guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
        throw fail(key, entry, .wrongType(expected: key.type.expected, found: describe(entry.value), hint: nil))
      }
      guard choices.contains(scalar.string) else {
        throw fail(key, entry, .invalidChoice(found: scalar.string, validChoices: choices))
      }
      value = .text(scalar.string)
    case .path(let nullable) where nullable && isNull(entry.value):
      return .unset
    case .path, .name:
      guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
        throw fail(key, entry, .wrongType(expected: "a path", found: describe(entry.value), hint: nil))
      }
      value = .text(scalar.string)
    }
    guard key.type.accepts(value) else {
      throw fail(key, entry, .outOfRange(expected: key.type.expected, found: found))
    }
    return value
  }

  /// The plain (unquoted) scalar text of a value that should be a number or a bool.
  private func plainScalar<Section>(_ key: ConfigKey<Section>, _ entry: Entry, expected: String) throws -> String {
    guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
      throw fail(key, entry, .wrongType(expected: expected, found: describe(entry.value), hint: nil))
    }
    guard scalar.style == .plain || scalar.style == .any else {
      throw fail(
        key, entry,
        .wrongType(expected: expected, found: describe(entry.value), hint: "quoted values are strings; remove the quotes"))
    }
    return scalar.string
  }
}

extension DeclaredConfig {
  /// Prefixes every relative path (keys of path type) by what `resolve` makes of it.
  mutating func resolvePaths(with resolve: (String) -> String) {
    for key in Self.keys {
      guard case .path = key.type, case .text(let path) = key.value(in: self) else { continue }
      key.assign(.text(resolve(path)), to: &self)
    }
  }
}

/// A plain `~`, `null` or empty scalar.
func isNull(_ node: Node) -> Bool {
  guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
  return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
}

/// How a value appears in an error: "'abc'", "the quoted string '64'", "a list", "nothing".
func describe(_ node: Node) -> String {
  switch node {
  case .scalar(let scalar):
    if isNull(node) { return "nothing (null)" }
    return scalar.style == .plain || scalar.style == .any
      ? "'\(scalar.string)'" : "the quoted string '\(scalar.string)'"
  case .mapping: return "a mapping"
  case .sequence: return "a list"
  case .alias: return "an alias"
  }
}
