import AttendData
import AttendModel
import Foundation
import Yams

// Reading an experiment config: YAML text → Yams `Node` tree (which keeps line numbers) → typed,
// validated `ExperimentConfig`. Every key is declared once, in the key enums below; a key a file
// does not set keeps the default written in ExperimentConfig.swift.

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

    let sections = try MappingReader<ConfigSection>(file: file, section: nil, line: root.mark?.line, node: root)
    guard let dataNode = sections.entry(.data) else {
      throw ConfigError(
        file: file, line: root.mark?.line, keyPath: nil,
        problem: .missingKey("data", meaning: "the corpora; at least data.train and data.dev"))
    }

    // model
    var model = ModelConfig()
    let m = try sections.reader(for: .model, as: ModelKey.self)
    if let v = try m.int(.embeddingSize, atLeast: 1) { model.embeddingSize = v }
    if let v = try m.int(.hiddenSize, atLeast: 1) { model.hiddenSize = v }
    if let v = try m.int(.attentionSize, atLeast: 1) { model.attentionSize = v }
    if let v = try m.bool(.bidirectional) { model.bidirectional = v }
    if let v = try m.choice(.attention, AttentionKind.self) { model.attention = v }
    if let v = try m.choice(.decoder, DecoderOrder.self) { model.decoder = v }
    if let v = try m.choice(.decoderInit, DecoderInit.self) { model.decoderInit = v }
    if let v = try m.int(.encoderLayers, atLeast: 1) { model.encoderLayers = v }
    if let v = try m.int(.decoderLayers, atLeast: 1) { model.decoderLayers = v }
    if let v = try m.number(.dropout, .belowOne) { model.dropout = v }
    if let v = try m.int(.attentionHeads, atLeast: 1) { model.attentionHeads = v }
    if let v = try m.choice(.attentionNormalizer, AttentionNormalizer.self) { model.attentionNormalizer = v }
    if let v = try m.choice(.attentionWindow, AttentionWindow.self) { model.attentionWindow = v }
    if let v = try m.int(.windowHalfWidth, atLeast: 1) { model.windowHalfWidth = v }
    if let v = try m.bool(.inputFeeding) { model.inputFeeding = v }
    if let v = try m.number(.attentionTemperature, .positive) { model.attentionTemperature = v }
    if let v = try m.number(.decodingTemperature, .positive) { model.decodingTemperature = v }
    if let v = try m.bool(.hardAttention) { model.hardAttention = v }
    if let v = try m.bool(.tieEmbeddings) { model.tieEmbeddings = v }
    if let v = try m.choice(.weightInit, InitScheme.self) { model.weightInit = v }
    if let v = try m.choice(.recurrentInit, InitScheme.self) { model.recurrentInit = v }
    if let v = try m.number(.initRange, .positive) { model.initRange = v }
    try checkModelCombinations(model, m)

    // data
    let d = try MappingReader<DataKey>(file: file, section: "data", line: dataNode.keyLine, node: dataNode.value)
    var data = DataConfig(
      train: try d.requiredPath(.train, meaning: "path to the training corpus: TSV, or the source side of parallel files"),
      dev: try d.path(.dev, nullable: true))
    data.trainTarget = try d.path(.trainTarget, nullable: true)
    data.devTarget = try d.path(.devTarget, nullable: true)
    data.test = try d.path(.test, nullable: true)
    data.testTarget = try d.path(.testTarget, nullable: true)
    if let v = try d.int(.sourceColumn, atLeast: 0) { data.sourceColumn = v }
    if let v = try d.int(.targetColumn, atLeast: 0) { data.targetColumn = v }
    if let v = try d.int(.devSize, atLeast: 0) { data.devSize = v }
    if let v = try d.int(.testSize, atLeast: 0) { data.testSize = v }
    if let v = try d.unsigned(.splitSeed) { data.splitSeed = v }
    if let v = try d.choice(.badLines, BadLinePolicy.self) { data.badLines = v }
    data.devAlignments = try d.path(.devAlignments, nullable: true)
    if let v = try d.choice(.normalization, UnicodeNormalization.self) { data.normalization = v }
    if let v = try d.bool(.lowercase) { data.lowercase = v }
    if let v = try d.bool(.splitPunctuation) { data.splitPunctuation = v }
    if let v = try d.int(.merges, atLeast: 0) { data.merges = v }
    if let v = try d.bool(.jointMerges) { data.jointMerges = v }
    if let v = try d.int(.minLength, atLeast: 1) { data.minLength = v }
    if let v = try d.int(.maxLength, atLeast: 1) { data.maxLength = v }
    if let v = try d.int(.minSourceLength, atLeast: 1) { data.minSourceLength = v }
    if let v = try d.int(.maxSourceLength, atLeast: 1) { data.maxSourceLength = v }
    if let v = try d.int(.minTargetLength, atLeast: 1) { data.minTargetLength = v }
    if let v = try d.int(.maxTargetLength, atLeast: 1) { data.maxTargetLength = v }
    if let v = try d.int(.minFrequency, atLeast: 1) { data.minFrequency = v }
    if let v = try d.int(.maxVocabulary, atLeast: 0) { data.maxVocabulary = v }
    if let v = try d.int(.batchTokens, atLeast: 0) { data.batchTokens = v }
    if let v = try d.bool(.bucketing) { data.bucketing = v }
    try checkDataCombinations(data, d)

    // training
    var training = TrainingConfig()
    let t = try sections.reader(for: .training, as: TrainingKey.self)
    if let v = try t.unsigned(.seed) { training.seed = v }
    if let v = try t.int(.batchSize, atLeast: 1) { training.batchSize = v }
    if let v = try t.int(.epochs, atLeast: 1) { training.epochs = v }
    if let v = try t.int(.maxSteps, atLeast: 0) { training.maxSteps = v }
    if let v = try t.number(.timeLimitMinutes, .nonNegative) { training.timeLimitMinutes = v }
    if let v = try t.number(.learningRate, .positive) { training.learningRate = v }
    if let v = try t.number(.clipNorm, .nonNegative) { training.clipNorm = v }
    if let v = try t.number(.teacherForcing, .unitInterval) { training.teacherForcing = v }
    if let v = try t.int(.evalEvery, atLeast: 1) { training.evalEvery = v }
    if let v = try t.number(.maxOutputRatio, .positive) { training.maxOutputRatio = v }
    if let v = try t.int(.threads, atLeast: 1) { training.threads = v }
    if let v = try t.path(.checkpointDir, nullable: false) { training.checkpointDir = v }
    if let v = try t.int(.keepLast, atLeast: 1) { training.keepLast = v }
    if let v = try t.int(.keepBest, atLeast: 1) { training.keepBest = v }
    if let v = try t.choice(.evalMetric, EvalMetric.self) { training.evalMetric = v }
    if let v = try t.int(.patience, atLeast: 0) { training.patience = v }
    if let v = try t.number(.lrReductionFactor, .positiveUnitInterval) { training.lrReductionFactor = v }
    if let v = try t.int(.lrPatience, atLeast: 0) { training.lrPatience = v }
    if let v = try t.number(.minLearningRate, .nonNegative) { training.minLearningRate = v }
    // AER is measured against data.dev_alignments: without them there is nothing to rank by.
    if training.evalMetric == .aer && data.devAlignments == nil, let entry = t.entry(.evalMetric) {
      throw ConfigError(
        file: file, line: entry.value.mark?.line ?? entry.keyLine, keyPath: "training.eval_metric",
        problem: .outOfRange(
          expected: "bleu, chrf or dev_loss, since aer needs gold alignments (or set data.dev_alignments)",
          found: "'aer'"))
    }

    // logging
    var logging = LoggingConfig(runName: defaultRunName(file: file))
    let l = try sections.reader(for: .logging, as: LoggingKey.self)
    if let v = try l.runName(.runName) { logging.runName = v }
    if let v = try l.path(.database, nullable: false) { logging.database = v }
    if let v = try l.int(.logEvery, atLeast: 1) { logging.logEvery = v }
    if let v = try l.int(.probes, atLeast: 0) { logging.probes = v }

    if let base = baseDirectory {
      func resolve(_ path: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : (base.hasSuffix("/") ? base : base + "/") + path
      }
      data.train = resolve(data.train)
      data.trainTarget = data.trainTarget.map(resolve)
      data.dev = data.dev.map(resolve)
      data.devTarget = data.devTarget.map(resolve)
      data.test = data.test.map(resolve)
      data.testTarget = data.testTarget.map(resolve)
      data.devAlignments = data.devAlignments.map(resolve)
      training.checkpointDir = resolve(training.checkpointDir)
      logging.database = resolve(logging.database)
    }
    return ExperimentConfig(model: model, data: data, training: training, logging: logging)
  }

  /// Checks that every data file the config names exists; the error names the key and the path.
  public func validateFiles() throws {
    let files: [(String, String?)] = [
      ("data.train", data.train), ("data.train_target", data.trainTarget), ("data.dev", data.dev),
      ("data.dev_target", data.devTarget), ("data.test", data.test), ("data.test_target", data.testTarget),
      ("data.dev_alignments", data.devAlignments),
    ]
    for case let (key, path?) in files {
      var isDirectory: ObjCBool = false
      if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
        throw ConfigError(
          file: nil, line: nil, keyPath: key,
          problem: .missingDataFile(path: path, workingDirectory: FileManager.default.currentDirectoryPath))
      }
    }
  }

  /// The checks between data keys that each look fine alone; the error points at the key to change.
  /// The model's invalid combinations (ModelConfig.problems), reported at the line of the key
  /// to change.
  static func checkModelCombinations(_ model: ModelConfig, _ m: MappingReader<ModelKey>) throws {
    let written = Set(ModelKey.allCases.filter { m.entry($0) != nil }.map(\.rawValue))
    guard let problem = model.problems(explicitKeys: written).first else { return }
    let entry = ModelKey(rawValue: problem.key).flatMap { m.entry($0) }
    throw ConfigError(
      file: m.file, line: entry?.value.mark?.line ?? entry?.keyLine ?? m.line, keyPath: "model.\(problem.key)",
      problem: .invalidCombination(problem.message))
  }

  static func checkDataCombinations(_ data: DataConfig, _ d: MappingReader<DataKey>) throws {
    func fail(_ key: DataKey, expected: String, found: String) -> ConfigError {
      let entry = d.entry(key)
      return ConfigError(
        file: d.file, line: entry?.value.mark?.line ?? entry?.keyLine ?? d.line, keyPath: "data.\(key.rawValue)",
        problem: .outOfRange(expected: expected, found: found))
    }
    func missing(_ key: DataKey, meaning: String) -> ConfigError {
      ConfigError(
        file: d.file, line: d.entry(key)?.keyLine ?? d.line, keyPath: "data",
        problem: .missingKey(key.rawValue, meaning: meaning))
    }
    if data.dev == nil && data.devSize == 0 {
      throw missing(.dev, meaning: "path to the development corpus, or set dev_size to carve one off train")
    }
    if data.dev != nil && data.devSize > 0 {
      throw fail(.devSize, expected: "0 when data.dev is given (dev_size carves a dev set off train instead)", found: "'\(data.devSize)'")
    }
    if data.test != nil && data.testSize > 0 {
      throw fail(.testSize, expected: "0 when data.test is given (test_size carves a test set off train instead)", found: "'\(data.testSize)'")
    }
    if data.trainTarget == nil {
      for (key, value) in [(DataKey.devTarget, data.devTarget), (.testTarget, data.testTarget)] where value != nil {
        throw fail(key, expected: "no \(key.rawValue) while train is a TSV file (set train_target for parallel files)", found: "'\(value!)'")
      }
    } else {
      if data.dev != nil && data.devTarget == nil {
        throw missing(.devTarget, meaning: "the target side of dev: train is given as parallel files (train + train_target)")
      }
      if data.test != nil && data.testTarget == nil {
        throw missing(.testTarget, meaning: "the target side of test: train is given as parallel files (train + train_target)")
      }
    }
    if data.sourceColumn == data.targetColumn {
      throw fail(.targetColumn, expected: "a column other than source_column \(data.sourceColumn)", found: "'\(data.targetColumn)'")
    }
    let limits = data.lengthLimits
    if limits.minSource > limits.maxSource {
      throw fail(
        d.entry(.minSourceLength) != nil ? .minSourceLength : .minLength,
        expected: "a minimum source length <= the maximum \(limits.maxSource)", found: "'\(limits.minSource)'")
    }
    if limits.minTarget > limits.maxTarget {
      throw fail(
        d.entry(.minTargetLength) != nil ? .minTargetLength : .minLength,
        expected: "a minimum target length <= the maximum \(limits.maxTarget)", found: "'\(limits.minTarget)'")
    }
    if let alignments = data.devAlignments {
      if data.dev == nil {
        throw fail(.devAlignments, expected: "no dev_alignments for a dev set carved off train (they must match a dev file line by line)", found: "'\(alignments)'")
      }
      if data.merges > 0 || data.splitPunctuation {
        throw fail(
          .devAlignments,
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

// MARK: - The keys, one enum per mapping

/// A key of one YAML mapping: the raw value is the spelling in the file, `allCases` the valid keys.
protocol ConfigKey: RawRepresentable, CaseIterable where RawValue == String {}

/// Top-level sections.
enum ConfigSection: String, ConfigKey {
  case model, data, training, logging
}

enum ModelKey: String, ConfigKey {
  case embeddingSize = "embedding_size"
  case hiddenSize = "hidden_size"
  case attentionSize = "attention_size"
  case bidirectional
  case attention
  case decoder
  case decoderInit = "decoder_init"
  case encoderLayers = "encoder_layers"
  case decoderLayers = "decoder_layers"
  case dropout
  case attentionHeads = "attention_heads"
  case attentionNormalizer = "attention_normalizer"
  case attentionWindow = "attention_window"
  case windowHalfWidth = "window_half_width"
  case inputFeeding = "input_feeding"
  case attentionTemperature = "attention_temperature"
  case decodingTemperature = "decoding_temperature"
  case hardAttention = "hard_attention"
  case tieEmbeddings = "tie_embeddings"
  case weightInit = "weight_init"
  case recurrentInit = "recurrent_init"
  case initRange = "init_range"
}

enum DataKey: String, ConfigKey {
  case train
  case trainTarget = "train_target"
  case dev
  case devTarget = "dev_target"
  case test
  case testTarget = "test_target"
  case sourceColumn = "source_column"
  case targetColumn = "target_column"
  case devSize = "dev_size"
  case testSize = "test_size"
  case splitSeed = "split_seed"
  case badLines = "bad_lines"
  case devAlignments = "dev_alignments"
  case normalization
  case lowercase
  case splitPunctuation = "split_punctuation"
  case merges
  case jointMerges = "joint_merges"
  case minLength = "min_length"
  case maxLength = "max_length"
  case minSourceLength = "min_source_length"
  case maxSourceLength = "max_source_length"
  case minTargetLength = "min_target_length"
  case maxTargetLength = "max_target_length"
  case minFrequency = "min_frequency"
  case maxVocabulary = "max_vocabulary"
  case batchTokens = "batch_tokens"
  case bucketing
}

enum TrainingKey: String, ConfigKey {
  case seed
  case batchSize = "batch_size"
  case epochs
  case maxSteps = "max_steps"
  case timeLimitMinutes = "time_limit_minutes"
  case learningRate = "learning_rate"
  case clipNorm = "clip_norm"
  case teacherForcing = "teacher_forcing"
  case evalEvery = "eval_every"
  case maxOutputRatio = "max_output_ratio"
  case threads
  case checkpointDir = "checkpoint_dir"
  case keepLast = "keep_last"
  case keepBest = "keep_best"
  case evalMetric = "eval_metric"
  case patience
  case lrReductionFactor = "lr_reduction_factor"
  case lrPatience = "lr_patience"
  case minLearningRate = "min_learning_rate"
}

enum LoggingKey: String, ConfigKey {
  case runName = "run_name"
  case database
  case logEvery = "log_every"
  case probes
}

// MARK: - Reading one mapping

/// The entries of one YAML mapping, checked against `Key` on construction (unknown and non-string
/// keys are rejected), with typed accessors that return nil for an absent key and throw a
/// `ConfigError` naming file, line and key path for a value of the wrong type or out of range.
struct MappingReader<Key: ConfigKey> {
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
  init(file: String, section: String?, line: Int?, node: Node?) throws {
    self.file = file
    self.section = section
    self.line = line
    guard let node, !isNull(node) else { return }
    guard case .mapping(let mapping) = node else {
      let expected = section == nil
        ? "a mapping of sections (\(Key.allCases.map(\.rawValue).joined(separator: ", ")))"
        : "a mapping of keys (\(Key.allCases.map(\.rawValue).joined(separator: ", ")))"
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
      guard Key(rawValue: name) != nil else {
        let valid = Key.allCases.map(\.rawValue)
        let suggestion = closestName(to: name, among: valid)
        throw ConfigError(
          file: file, line: keyLine, keyPath: section,
          problem: section == nil
            ? .unknownSection(name, suggestion: suggestion, validSections: valid)
            : .unknownKey(name, suggestion: suggestion, validKeys: valid))
      }
      entries[name] = Entry(keyLine: keyLine, value: value)
    }
  }

  func entry(_ key: Key) -> Entry? { entries[key.rawValue] }

  /// The reader for a nested section (top level only).
  func reader<K: ConfigKey>(for key: Key, as _: K.Type) throws -> MappingReader<K> {
    let entry = entry(key)
    return try MappingReader<K>(file: file, section: key.rawValue, line: entry?.keyLine, node: entry?.value)
  }

  private func keyPath(_ key: Key) -> String {
    section.map { "\($0).\(key.rawValue)" } ?? key.rawValue
  }

  private func fail(_ key: Key, _ entry: Entry, _ problem: ConfigError.Problem) -> ConfigError {
    ConfigError(file: file, line: entry.value.mark?.line ?? entry.keyLine, keyPath: keyPath(key), problem: problem)
  }

  /// The plain (unquoted) scalar text of a value that should be a number or a bool.
  private func plainScalar(_ key: Key, _ entry: Entry, expected: String) throws -> String {
    guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
      throw fail(key, entry, .wrongType(expected: expected, found: describe(entry.value), hint: nil))
    }
    guard scalar.style == .plain || scalar.style == .any else {
      throw fail(
        key, entry,
        .wrongType(
          expected: expected, found: describe(entry.value),
          hint: "quoted values are strings; remove the quotes"))
    }
    return scalar.string
  }

  func int(_ key: Key, atLeast minimum: Int) throws -> Int? {
    guard let entry = entry(key) else { return nil }
    let text = try plainScalar(key, entry, expected: "an integer")
    guard let value = Int(text) else {
      throw fail(key, entry, .wrongType(expected: "an integer", found: "'\(text)'", hint: nil))
    }
    guard value >= minimum else {
      let range = minimum == 1 ? "an integer > 0" : "an integer >= \(minimum)"
      throw fail(key, entry, .outOfRange(expected: range, found: "'\(text)'"))
    }
    return value
  }

  func unsigned(_ key: Key) throws -> UInt64? {
    guard let entry = entry(key) else { return nil }
    let text = try plainScalar(key, entry, expected: "a non-negative integer")
    guard let value = UInt64(text) else {
      let problem: ConfigError.Problem = Int(text) != nil
        ? .outOfRange(expected: "a non-negative integer", found: "'\(text)'")
        : .wrongType(expected: "a non-negative integer", found: "'\(text)'", hint: nil)
      throw fail(key, entry, problem)
    }
    return value
  }

  enum NumberRange {
    case positive, nonNegative, unitInterval, positiveUnitInterval, belowOne

    var expected: String {
      switch self {
      case .positive: return "a number > 0"
      case .nonNegative: return "a number >= 0"
      case .unitInterval: return "a number in [0, 1]"
      case .positiveUnitInterval: return "a number in (0, 1]"
      case .belowOne: return "a number in [0, 1)"
      }
    }

    func contains(_ x: Double) -> Bool {
      switch self {
      case .positive: return x > 0
      case .nonNegative: return x >= 0
      case .unitInterval: return x >= 0 && x <= 1
      case .positiveUnitInterval: return x > 0 && x <= 1
      case .belowOne: return x >= 0 && x < 1
      }
    }
  }

  func number(_ key: Key, _ range: NumberRange) throws -> Double? {
    guard let entry = entry(key) else { return nil }
    let text = try plainScalar(key, entry, expected: "a number")
    guard let value = Double(text), value.isFinite else {
      throw fail(key, entry, .wrongType(expected: "a number", found: "'\(text)'", hint: nil))
    }
    guard range.contains(value) else {
      throw fail(key, entry, .outOfRange(expected: range.expected, found: "'\(text)'"))
    }
    return value
  }

  func bool(_ key: Key) throws -> Bool? {
    guard let entry = entry(key) else { return nil }
    let text = try plainScalar(key, entry, expected: "true or false")
    switch text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default:
      throw fail(key, entry, .wrongType(expected: "true or false", found: "'\(text)'", hint: nil))
    }
  }

  func choice<E: RawRepresentable & CaseIterable>(_ key: Key, _: E.Type) throws -> E? where E.RawValue == String {
    guard let entry = entry(key) else { return nil }
    let valid = E.allCases.map(\.rawValue)
    guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
      throw fail(
        key, entry,
        .wrongType(expected: "one of \(valid.joined(separator: ", "))", found: describe(entry.value), hint: nil))
    }
    guard let value = E(rawValue: scalar.string) else {
      throw fail(key, entry, .invalidChoice(found: scalar.string, validChoices: valid))
    }
    return value
  }

  /// A path. Null (`key:` with no value, `~`, `null`) gives nil when `nullable`, else an error.
  func path(_ key: Key, nullable: Bool) throws -> String? {
    guard let entry = entry(key) else { return nil }
    if isNull(entry.value) {
      if nullable { return nil }
      throw fail(key, entry, .wrongType(expected: "a path", found: describe(entry.value), hint: nil))
    }
    guard case .scalar(let scalar) = entry.value else {
      throw fail(key, entry, .wrongType(expected: "a path", found: describe(entry.value), hint: nil))
    }
    guard !scalar.string.isEmpty else {
      throw fail(key, entry, .outOfRange(expected: "a non-empty path", found: "''"))
    }
    return scalar.string
  }

  /// A path that must be present and not null.
  func requiredPath(_ key: Key, meaning: String) throws -> String {
    guard let entry = entry(key), !isNull(entry.value) else {
      // Point at the key if it is there with no value, else at the section.
      try missing(key, line: entry(key)?.keyLine, meaning: meaning)
    }
    return try path(key, nullable: false)!
  }

  private func missing(_ key: Key, line: Int?, meaning: String) throws -> Never {
    throw ConfigError(
      file: file, line: line ?? self.line, keyPath: section,
      problem: .missingKey(key.rawValue, meaning: meaning))
  }

  /// A run name: used as a directory name, so one non-empty path component.
  func runName(_ key: Key) throws -> String? {
    guard let name = try path(key, nullable: false) else { return nil }
    guard !name.contains("/"), name != ".", name != ".." else {
      throw fail(
        key, entry(key)!,
        .outOfRange(expected: "a name without '/' (it names a directory under checkpoint_dir)", found: "'\(name)'"))
    }
    return name
  }

}

// MARK: - Helpers

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
