import AttendData
import AttendModel
import Foundation
import Yams

// Reading an experiment config: YAML text → Yams `Node` tree (which keeps line numbers) → typed,
// validated `ExperimentConfig`. Every key is declared once (ExperimentConfigKeys.swift,
// AttendModel/ModelConfigKeys.swift) with its type and range, which this reader checks; a key a
// file does not set keeps the default written in ExperimentConfig.swift (or derives it).

// MARK: - Public entry points

extension ExperimentConfig {
  /// Reads and validates the config file at `path`. Relative paths inside the file are kept as
  /// written and so resolve against the current working directory.
  public static func load(path: String) throws -> ExperimentConfig {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      let reason = FileManager.default.fileExists(atPath: path)
        ? "not readable as UTF-8 text" : "no such file"
      throw ConfigError(file: path, line: nil, keyPath: nil, problem: .unreadableFile(reason: reason))
    }
    return try parse(yaml: text, file: path, baseDirectory: nil)
  }

  /// Parses and validates config text. `file` names the source in error messages, and its base
  /// name without extension is the default `logging.run_name`. When `baseDirectory` is given,
  /// relative paths in `data`, `training` and `logging` are prefixed with it; when nil (what `load`
  /// does) they are kept as written, i.e. relative to the current working directory.
  public static func parse(yaml: String, file: String, baseDirectory: String?) throws -> ExperimentConfig {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: yaml), !isNull(node) else {
        throw ConfigError(file: file, line: nil, keyPath: nil, problem: .emptyFile)
      }
      root = node
    } catch let error as YamlError {
      throw ConfigError(yaml: error, file: file, text: yaml)
    }

    let sections = try MappingReader(
      file: file, section: nil, line: root.mark?.line, node: root, validNames: sectionNames)
    guard sections.entry("data") != nil else {
      throw ConfigError(
        file: file, line: root.mark?.line, keyPath: nil,
        problem: .missingKey("data", meaning: "the corpora; at least data.train and data.dev"))
    }

    var model = ModelConfig()
    let m = try sections.reader(for: "model", keys: ModelConfig.fileKeys)
    try m.read(into: &model)
    try checkModelCombinations(model, m)

    var data = DataConfig.defaults
    let d = try sections.reader(for: "data", keys: DataConfig.fileKeys)
    try d.read(into: &data)
    try checkDataCombinations(data, d)

    var training = TrainingConfig()
    let t = try sections.reader(for: "training", keys: TrainingConfig.fileKeys)
    try t.read(into: &training)
    try checkTrainingCombinations(training, t, data: data)

    var logging = LoggingConfig(runName: defaultRunName(file: file))
    let l = try sections.reader(for: "logging", keys: LoggingConfig.fileKeys)
    try l.read(into: &logging)

    if let base = baseDirectory {
      func resolve(_ path: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : (base.hasSuffix("/") ? base : base + "/") + path
      }
      data.resolvePaths(with: resolve)
      training.resolvePaths(with: resolve)
      logging.resolvePaths(with: resolve)
    }
    return ExperimentConfig(model: model, data: data, training: training, logging: logging)
  }

  /// The top-level sections, in the order the reference lists them.
  static let sectionNames = ["model", "data", "training", "logging"]

  /// Checks that every data file the config names exists; the error names the key and the path.
  public func validateFiles() throws {
    let files = DataConfig.keys.compactMap { key -> (String, String)? in
      guard case .path = key.type, case .text(let path) = key.value(in: data) else { return nil }
      return ("data." + key.name, path)
    }
    for (key, path) in files {
      var isDirectory: ObjCBool = false
      if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
        throw ConfigError(
          file: nil, line: nil, keyPath: key,
          problem: .missingDataFile(path: path, workingDirectory: FileManager.default.currentDirectoryPath))
      }
    }
  }

  /// The model's invalid combinations (ModelConfig.problems), reported at the line of the key
  /// to change.
  static func checkModelCombinations(_ model: ModelConfig, _ m: MappingReader) throws {
    guard let problem = model.problems(explicitKeys: m.writtenNames).first else { return }
    let entry = m.entry(problem.key)
    throw ConfigError(
      file: m.file, line: entry?.value.mark?.line ?? entry?.keyLine ?? m.line, keyPath: "model.\(problem.key)",
      problem: .invalidCombination(problem.message))
  }

  /// The checks between training keys that each look fine alone.
  static func checkTrainingCombinations(_ training: TrainingConfig, _ t: MappingReader, data: DataConfig) throws {
    // AER is measured against data.dev_alignments: without them there is nothing to rank by.
    if training.evalMetric == .aer && data.devAlignments == nil, let entry = t.entry("eval_metric") {
      throw ConfigError(
        file: t.file, line: entry.value.mark?.line ?? entry.keyLine, keyPath: "training.eval_metric",
        problem: .outOfRange(
          expected: "bleu, chrf or dev_loss, since aer needs gold alignments (or set data.dev_alignments)",
          found: "'aer'"))
    }
    // Momentum belongs to SGD: written with Adam, the user expects it to act.
    if training.optimizer != .sgd, let entry = t.entry("momentum") {
      throw ConfigError(
        file: t.file, line: entry.value.mark?.line ?? entry.keyLine, keyPath: "training.momentum",
        problem: .invalidCombination(
          "momentum applies to optimizer: sgd (Adam keeps its own moments); set optimizer: sgd or remove momentum"))
    }
  }

  /// The checks between data keys that each look fine alone; the error points at the key to change.
  static func checkDataCombinations(_ data: DataConfig, _ d: MappingReader) throws {
    func fail(_ key: String, expected: String, found: String) -> ConfigError {
      let entry = d.entry(key)
      return ConfigError(
        file: d.file, line: entry?.value.mark?.line ?? entry?.keyLine ?? d.line, keyPath: "data.\(key)",
        problem: .outOfRange(expected: expected, found: found))
    }
    func missing(_ key: String, meaning: String) -> ConfigError {
      ConfigError(
        file: d.file, line: d.entry(key)?.keyLine ?? d.line, keyPath: "data",
        problem: .missingKey(key, meaning: meaning))
    }
    if data.dev == nil && data.devSize == 0 {
      throw missing("dev", meaning: "path to the development corpus, or set dev_size to carve one off train")
    }
    if data.dev != nil && data.devSize > 0 {
      throw fail("dev_size", expected: "0 when data.dev is given (dev_size carves a dev set off train instead)", found: "'\(data.devSize)'")
    }
    if data.test != nil && data.testSize > 0 {
      throw fail("test_size", expected: "0 when data.test is given (test_size carves a test set off train instead)", found: "'\(data.testSize)'")
    }
    if data.trainTarget == nil {
      for (key, value) in [("dev_target", data.devTarget), ("test_target", data.testTarget)] where value != nil {
        throw fail(key, expected: "no \(key) while train is a TSV file (set train_target for parallel files)", found: "'\(value!)'")
      }
    } else {
      if data.dev != nil && data.devTarget == nil {
        throw missing("dev_target", meaning: "the target side of dev: train is given as parallel files (train + train_target)")
      }
      if data.test != nil && data.testTarget == nil {
        throw missing("test_target", meaning: "the target side of test: train is given as parallel files (train + train_target)")
      }
    }
    if data.sourceColumn == data.targetColumn {
      throw fail("target_column", expected: "a column other than source_column \(data.sourceColumn)", found: "'\(data.targetColumn)'")
    }
    let limits = data.lengthLimits
    if limits.minSource > limits.maxSource {
      throw fail(
        d.entry("min_source_length") != nil ? "min_source_length" : "min_length",
        expected: "a minimum source length <= the maximum \(limits.maxSource)", found: "'\(limits.minSource)'")
    }
    if limits.minTarget > limits.maxTarget {
      throw fail(
        d.entry("min_target_length") != nil ? "min_target_length" : "min_length",
        expected: "a minimum target length <= the maximum \(limits.maxTarget)", found: "'\(limits.minTarget)'")
    }
    if let alignments = data.devAlignments {
      if data.dev == nil {
        throw fail("dev_alignments", expected: "no dev_alignments for a dev set carved off train (they must match a dev file line by line)", found: "'\(alignments)'")
      }
      if data.merges > 0 || data.splitPunctuation {
        throw fail(
          "dev_alignments",
          expected: "no dev_alignments with merges > 0 or split_punctuation: true (gold links index whitespace-separated words, the model would see other tokens)",
          found: "'\(alignments)'")
      }
    }
  }

  /// "configs/reverse.yaml" → "reverse".
  static func defaultRunName(file: String) -> String {
    var name = Substring(file.split(separator: "/").last ?? "")
    if let dot = name.lastIndex(of: "."), dot > name.startIndex { name = name[..<dot] }
    return name.isEmpty ? "run" : String(name)
  }
}

// MARK: - Helpers

/// The valid name closest to `name` by edit distance (adjacent swaps count 1), if it is close
/// enough to be a likely typo.
func closestName(to name: String, among valid: [String]) -> String? {
  let scored = valid.map { ($0, editDistance(name, $0)) }
  guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
  return best.1 <= max(2, name.count / 3) ? best.0 : nil
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent transpositions.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a), b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
  for i in 0...a.count { d[i][0] = i }
  for j in 0...b.count { d[0][j] = j }
  for i in 1...a.count {
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
        d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[a.count][b.count]
}

extension ConfigError {
  /// A Yams parse error as a ConfigError at the line the parser reports.
  init(yaml error: YamlError, file: String, text: String) {
    func context(_ context: YamlError.Context?) -> String {
      guard let context else { return "" }
      return " (\(context.text) at line \(context.mark.line))"
    }
    switch error {
    case .scanner(let ctx, let problem, let mark, _),
      .parser(let ctx, let problem, let mark, _),
      .composer(let ctx, let problem, let mark, _):
      self.init(
        file: file, line: mark.line, keyPath: nil,
        problem: .invalidYAML(problem: problem + context(ctx), column: mark.column))
    case .duplicatedKeysInMapping(let duplicates, let ctx):
      self.init(
        file: file, line: ctx.mark.line, keyPath: nil,
        problem: .duplicateKey(duplicates.joined(separator: "', '")))
    case .reader(let problem, let offset, _, _):
      let line = offset.map { offset in text.utf8.prefix(offset).filter { $0 == UInt8(ascii: "\n") }.count + 1 }
      self.init(file: file, line: line, keyPath: nil, problem: .invalidYAML(problem: problem, column: nil))
    default:
      self.init(file: file, line: nil, keyPath: nil, problem: .invalidYAML(problem: "\(error)", column: nil))
    }
  }
}
