import Foundation

/// A problem with an experiment config file. The description names the file, the line, the key
/// path and what was expected, e.g.
/// `configs/x.yaml:7: unknown key 'hiden_size' in 'model' (did you mean 'hidden_size'? valid keys: …)`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Problem: Equatable, Sendable {
    /// The file could not be read.
    case unreadableFile(reason: String)
    /// The file holds no YAML document (it is empty or only comments).
    case emptyFile
    /// YAML syntax error reported by the parser.
    case invalidYAML(problem: String, column: Int?)
    /// A section name that is not one of `validSections`; `suggestion` is the closest valid one.
    case unknownSection(String, suggestion: String?, validSections: [String])
    /// A key that is not valid in its section.
    case unknownKey(String, suggestion: String?, validKeys: [String])
    /// The same key twice in one mapping.
    case duplicateKey(String)
    /// A required key (or section) is absent; `meaning` says what it is for.
    case missingKey(String, meaning: String)
    /// The value has the wrong type, e.g. expected "an integer", found "'abc'".
    case wrongType(expected: String, found: String, hint: String?)
    /// The value has the right type but is outside its range, e.g. expected "an integer > 0".
    case outOfRange(expected: String, found: String)
    /// A value for a key with fixed choices that is not one of them.
    case invalidChoice(found: String, validChoices: [String])
    /// Valid values that cannot go together; the message says what to change.
    case invalidCombination(String)
    /// A data file named by the config does not exist (from `validateFiles()`).
    case missingDataFile(path: String, workingDirectory: String)
  }

  /// The config file, as given to `load` or `parse`; nil for checks made after loading.
  public var file: String?
  /// 1-based line of the offending node, when known.
  public var line: Int?
  /// Dotted key path, e.g. "model.hidden_size"; for unknown and missing keys, the enclosing section.
  public var keyPath: String?
  public var problem: Problem

  public init(file: String?, line: Int?, keyPath: String?, problem: Problem) {
    self.file = file
    self.line = line
    self.keyPath = keyPath
    self.problem = problem
  }

  public var description: String {
    var location = [file, line.map(String.init)].compactMap { $0 }.joined(separator: ":")
    if !location.isEmpty { location += ": " }
    let key = keyPath.map { "\($0): " } ?? ""
    let section = keyPath.map { " in '\($0)'" } ?? ""
    switch problem {
    case .unreadableFile(let reason):
      return "\(location)cannot read the config file: \(reason)"
    case .emptyFile:
      return "\(location)the config file is empty; expected the sections "
        + "\(ExperimentConfig.sectionNames.joined(separator: ", ")) "
        + "(data.train and data.dev are required)"
    case .invalidYAML(let problem, let column):
      let at = column.map { " (column \($0))" } ?? ""
      return "\(location)invalid YAML\(at): \(problem)"
    case .unknownSection(let name, let suggestion, let valid):
      return "\(location)unknown section '\(name)' (\(didYouMean(suggestion))valid sections: "
        + "\(valid.joined(separator: ", ")))"
    case .unknownKey(let name, let suggestion, let valid):
      return "\(location)unknown key '\(name)'\(section) (\(didYouMean(suggestion))valid keys: "
        + "\(valid.joined(separator: ", ")))"
    case .duplicateKey(let name):
      return "\(location)\(key)key '\(name)' appears more than once; keep one"
    case .missingKey(let name, let meaning):
      return keyPath == nil
        ? "\(location)missing required section '\(name)' (\(meaning))"
        : "\(location)missing required key '\(name)'\(section) (\(meaning))"
    case .wrongType(let expected, let found, let hint):
      return "\(location)\(key)expected \(expected), found \(found)" + (hint.map { " (\($0))" } ?? "")
    case .outOfRange(let expected, let found):
      return "\(location)\(key)expected \(expected), found \(found)"
    case .invalidChoice(let found, let valid):
      return "\(location)\(key)unknown choice '\(found)' (valid choices: \(valid.joined(separator: ", ")))"
    case .invalidCombination(let message):
      return "\(location)\(key)\(message)"
    case .missingDataFile(let path, let directory):
      let relative = path.hasPrefix("/") ? "" : " (relative paths are resolved against the current directory '\(directory)')"
      return "\(location)\(key)no such file '\(path)'\(relative)"
    }
  }

  private func didYouMean(_ suggestion: String?) -> String {
    suggestion.map { "did you mean '\($0)'? " } ?? ""
  }
}
