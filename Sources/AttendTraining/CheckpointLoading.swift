import AttendData
import AttendKernels
import AttendModel
import AttendStorage
import Foundation

// The model <-> checkpoint glue below the byte format: which tensors a checkpoint holds and how
// they are named, how the JSON header is written and read back (leniently, so older headers keep
// loading), and every check that stands between a file and a `Seq2Seq` built from it.
// docs/checkpoint-format.md ("Header", "Tensor names") is the user-facing description.

/// The dev-set score a checkpoint was written after. `best` and `keep_best` rank by it.
public struct CheckpointMetric: Codable, Equatable, Sendable {
  /// "bleu", "chrf", "dev_loss", …: whatever the run ranks checkpoints by.
  public var name: String
  public var value: Double
  /// True for scores (BLEU), false for losses and error rates.
  public var higherIsBetter: Bool

  public init(name: String, value: Double, higherIsBetter: Bool) {
    self.name = name
    self.value = value
    self.higherIsBetter = higherIsBetter
  }

  public static func bleu(_ value: Double) -> CheckpointMetric {
    CheckpointMetric(name: "bleu", value: value, higherIsBetter: true)
  }

  /// True when `self` ranks strictly above `other` (a tie keeps the earlier checkpoint best). A
  /// NaN or infinite value (a diverged run) ranks below every finite one.
  public func isBetter(than other: CheckpointMetric) -> Bool {
    guard value.isFinite else { return false }
    guard other.value.isFinite else { return true }
    return higherIsBetter ? value > other.value : value < other.value
  }
}

/// The optimizers Attend trains with: `training.optimizer` and the header's `optimizer.name`.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
  /// Adam (Kingma & Ba 2015), β1 0.9, β2 0.999, ε 1e-8.
  case adam
  /// Plain stochastic gradient descent with optional momentum (Luong et al. 2015 used it with
  /// momentum 0 and the learning rate halved every epoch after the fifth).
  case sgd
}

/// The optimizer's settings and step count (Optimizer.checkpointState); its per-parameter state
/// buffers are tensors (`tensorPrefixes`). Settings of the other optimizer are absent.
public struct OptimizerState: Codable, Equatable, Sendable {
  /// `training.optimizer`: "adam" or "sgd".
  public var name: String
  public var step: Int
  /// Adam's settings.
  public var beta1: Float?
  public var beta2: Float?
  public var epsilon: Float?
  /// SGD's momentum.
  public var momentum: Float?

  public init(
    name: String, step: Int, beta1: Float? = nil, beta2: Float? = nil, epsilon: Float? = nil, momentum: Float? = nil
  ) {
    self.name = name
    self.step = step
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.momentum = momentum
  }

  /// The name prefixes of the state tensors a checkpoint holds for this optimizer, in order; nil
  /// for an optimizer this build does not know.
  public var tensorPrefixes: [String]? {
    switch OptimizerKind(rawValue: name) {
    case .adam: return [CheckpointTensorName.firstMomentPrefix, CheckpointTensorName.secondMomentPrefix]
    case .sgd: return (momentum ?? 0) > 0 ? [CheckpointTensorName.momentumBufferPrefix] : []
    case nil: return nil
    }
  }
}

/// The tensor naming scheme. Parameters keep their `ParameterStore` names, which are the names
/// of the PyTorch reference model's `state_dict` (scripts/reference_model.py), so an export needs
/// no renaming. Adam's moments of parameter `p` are `optimizer.exp_avg.p` and
/// `optimizer.exp_avg_sq.p`, SGD's momentum buffer `optimizer.momentum_buffer.p`, as
/// `torch.optim` calls them.
public enum CheckpointTensorName {
  /// Every optimizer state tensor's name starts with this.
  public static let optimizerPrefix = "optimizer."
  public static let firstMomentPrefix = "optimizer.exp_avg."
  public static let secondMomentPrefix = "optimizer.exp_avg_sq."
  public static let momentumBufferPrefix = "optimizer.momentum_buffer."
}

/// A checkpoint read and checked: the model ready to translate, and for training checkpoints
/// the optimizer's state buffers in the parameter store's flat layout.
struct ReadCheckpoint {
  var loaded: LoadedModel
  var kind: CheckpointKind
  var version: UInt32
  /// By tensor-name prefix (OptimizerState.tensorPrefixes), each flat like
  /// `model.parameters.values`; nil for model checkpoints and when not asked for.
  var optimizerBuffers: [String: [Float]]?
}

extension ModelCheckpoint {
  /// Saves a training checkpoint (kind 2): parameters, the optimizer's settings and step
  /// (`optimizerState`) and its per-parameter state `optimizerBuffers` (named by prefix, in the
  /// parameters' layout), and `header`, whose `trainingState` must be set. This is what
  /// `attend train --resume` continues from.
  public static func saveTraining(
    _ model: Seq2Seq, optimizerState: OptimizerState, optimizerBuffers: [(prefix: String, buffer: FloatBuffer)],
    header: CheckpointHeader, to path: String
  ) throws {
    precondition(header.trainingState != nil, "a training checkpoint needs its training state")
    precondition(optimizerBuffers.map(\.prefix) == optimizerState.tensorPrefixes, "buffers as the state names them")
    var header = header
    header.optimizer = optimizerState
    try write(
      parameters: model.parameters, optimizerBuffers: optimizerBuffers, header: header, kind: .training, to: path)
  }

  static func write(
    parameters store: ParameterStore, optimizerBuffers: [(prefix: String, buffer: FloatBuffer)] = [],
    header: CheckpointHeader, kind: CheckpointKind, to path: String
  ) throws {
    func tensor(_ name: String, _ info: ParameterInfo, _ buffer: FloatBuffer) -> CheckpointTensor {
      CheckpointTensor(
        name: name, shape: info.shape,
        values: Array(UnsafeBufferPointer(start: buffer.pointer + info.offset, count: info.count)))
    }
    var tensors = store.infos.map { tensor($0.name, $0, store.values) }
    for (prefix, buffer) in optimizerBuffers {
      tensors += store.infos.map { tensor(prefix + $0.name, $0, buffer) }
    }
    let json = try StoredJSON.encoder().encode(header)
    try Checkpoint.write(Checkpoint(header: Array(json), tensors: tensors, kind: kind), to: path)
  }

  /// Reads and checks a checkpoint: the bytes (AttendStorage), the header (JSON, kind, the model
  /// it describes against the tensors, before any allocation that size), then every tensor.
  /// `moments: false` (translation): the optimizer's state tensors of a training checkpoint
  /// are checked (CRC, names, shapes) but not kept, which saves up to two copies of the model's
  /// size in memory.
  static func read(from path: String, moments: Bool = true) throws -> ReadCheckpoint {
    let isOptimizerState = { (name: String) in name.hasPrefix(CheckpointTensorName.optimizerPrefix) }
    return try decode(
      Checkpoint.read(from: path, keepingValues: { moments || !isOptimizerState($0) }), path: path, moments: moments)
  }

  /// `read` for a checkpoint already read from `path`.
  static func decode(_ checkpoint: Checkpoint, path: String, moments: Bool = true) throws -> ReadCheckpoint {
    let header = try StoredJSON.decodeHeader(checkpoint.header, path: path)
    func fail(_ problem: CheckpointLoadError.Problem) -> CheckpointLoadError {
      CheckpointLoadError(path: path, problem: problem)
    }
    var optimizerPrefixes: [String] = []
    if checkpoint.kind == .training {
      guard header.trainingState != nil, let optimizer = header.optimizer else {
        throw fail(.invalidHeader("a training checkpoint without training_state and optimizer"))
      }
      guard let prefixes = optimizer.tensorPrefixes else {
        throw fail(
          .invalidHeader(
            "optimizer.name is '\(optimizer.name)', expected one of "
              + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")))
      }
      optimizerPrefixes = prefixes
    }
    let floatsInFile = checkpoint.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
    try checkModelSize(header, floatsInFile: floatsInFile, path: path)

    let model = Seq2Seq(config: header.model, seed: 0)
    let store = model.parameters
    var byName = Dictionary(checkpoint.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    /// Copies tensor `name` into `destination` at the parameter's place, after checking its shape.
    func take(_ name: String, _ info: ParameterInfo, into destination: UnsafeMutablePointer<Float>) throws {
      guard let tensor = byName.removeValue(forKey: name) else { throw fail(.missingTensor(name)) }
      guard tensor.shape == info.shape, tensor.values.count == info.count else {
        throw fail(.shapeMismatch(name: name, found: tensor.shape, expected: info.shape))
      }
      tensor.values.withUnsafeBufferPointer {
        (destination + info.offset).update(from: $0.baseAddress!, count: info.count)
      }
    }
    for info in store.infos { try take(info.name, info, into: store.values.pointer) }
    var optimizerBuffers: [String: [Float]]?
    if checkpoint.kind == .training && !moments {
      for info in store.infos {
        for prefix in optimizerPrefixes {
          let name = prefix + info.name
          guard let tensor = byName.removeValue(forKey: name) else { throw fail(.missingTensor(name)) }
          guard tensor.shape == info.shape else {
            throw fail(.shapeMismatch(name: name, found: tensor.shape, expected: info.shape))
          }
        }
      }
    } else if checkpoint.kind == .training {
      optimizerBuffers = [:]
      for prefix in optimizerPrefixes {
        let buffer = FloatBuffer(count: store.count)
        for info in store.infos { try take(prefix + info.name, info, into: buffer.pointer) }
        optimizerBuffers?[prefix] = buffer.array
      }
    }
    if let extra = byName.keys.sorted().first { throw fail(.unexpectedTensor(extra)) }
    return ReadCheckpoint(
      loaded: LoadedModel(header: header, model: model), kind: checkpoint.kind, version: checkpoint.version,
      optimizerBuffers: optimizerBuffers)
  }

  /// Reads only the header (no tensors): for listings and pointers. The bytes are checked as far
  /// as the header section goes, the JSON fully.
  public static func readHeader(from path: String) throws -> (header: CheckpointHeader, kind: CheckpointKind, version: UInt32) {
    let bytes = try Checkpoint.readHeader(from: path)
    return (try StoredJSON.decodeHeader(bytes.header, path: path), bytes.kind, bytes.version)
  }

  /// Refuses a header whose model cannot be built from the file: an invalid model config (what
  /// `ModelConfig.problems()` lists), vocabulary sizes that disagree with the vocabularies, or a
  /// model needing more parameters than the file holds floats. The last check bounds what
  /// building the model allocates by the file size, whatever the header says: the embedding
  /// tables and the recurrent matrices alone need E·(Vs + Vt) + 3H²·(encoder + decoder layers)
  /// parameters in every variant.
  static func checkModelSize(_ header: CheckpointHeader, floatsInFile: Int, path: String) throws {
    func fail(_ detail: String) -> CheckpointLoadError {
      CheckpointLoadError(path: path, problem: .inconsistentModel(detail))
    }
    let model = header.model
    if let problem = model.problems().first { throw fail(problem.description) }
    // Every size (a positive integer key) is at most the number of values.
    for key in ModelConfig.fileKeys where key.type == .integer(atLeast: 1) {
      if case .integer(let value) = key.value(in: model), value > floatsInFile {
        throw fail("model.\(key.name) is \(value), more than the file's \(floatsInFile) parameter values")
      }
    }
    let specials = SpecialToken.strings.count
    for (side, size, vocabulary) in [
      ("source", model.sourceVocabularySize, header.sourceVocabulary),
      ("target", model.targetVocabularySize, header.targetVocabulary),
    ] {
      guard size == vocabulary.count else {
        throw fail("model.\(side)_vocabulary_size is \(size) but the \(side) vocabulary has \(vocabulary.count) tokens")
      }
      guard size > specials else {
        throw fail("the \(side) vocabulary holds only the \(specials) special tokens")
      }
    }
    let (embedding, overflow1) = model.embeddingSize.multipliedReportingOverflow(
      by: model.sourceVocabularySize + model.targetVocabularySize)
    let (perLayer, overflow2) = (3 * model.hiddenSize).multipliedReportingOverflow(by: model.hiddenSize)
    let (recurrent, overflow3) = perLayer.multipliedReportingOverflow(by: model.encoderLayers + model.decoderLayers)
    guard !overflow1, !overflow2, !overflow3, embedding + recurrent <= floatsInFile else {
      throw fail("the model described needs more parameters than the file's \(floatsInFile) values")
    }
  }
}

/// JSON as checkpoint headers store it: snake_case keys, sorted, and read back leniently.
public enum StoredJSON {
  /// Key components that Swift property names spell in capitals (`bestBLEU`, `runID`): the
  /// standard snake_case decoding would look for `bestBleu` and silently find nothing.
  static let acronyms: [String: String] = ["bleu": "BLEU", "id": "ID", "aer": "AER", "json": "JSON"]

  /// Sorted snake_case keys, unescaped slashes, non-finite numbers as "inf"/"-inf"/"nan": the
  /// JSON Attend stores and prints.
  public static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // A diverged run's dev loss is NaN or infinite; its checkpoint must still be written.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// snake_case → camelCase, with `acronyms` in capitals: "best_bleu" → "bestBLEU".
  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    decoder.keyDecodingStrategy = .custom { path in
      let key = path.last!.stringValue
      guard key.contains("_") else { return path.last! }
      let parts = key.split(separator: "_", omittingEmptySubsequences: true).map(String.init)
      guard let first = parts.first else { return path.last! }
      let rest = parts.dropFirst().map { acronyms[$0] ?? ($0.prefix(1).uppercased() + $0.dropFirst()) }
      return AnyCodingKey(first + rest.joined())
    }
    return decoder
  }

  /// Decodes a checkpoint header. The config sections (`experiment`, `model`) read keys they lack
  /// as their declared defaults (DeclaredConfig). A `training_state` that lacks fields (written
  /// before they existed) is decoded again laid over the current defaults, so it reads as those
  /// fields' defaults (which, by convention, are the old behaviour) instead of failing.
  static func decodeHeader(_ bytes: [UInt8], path: String) throws -> CheckpointHeader {
    func fail(_ detail: String) -> CheckpointLoadError {
      CheckpointLoadError(path: path, problem: .invalidHeader(detail))
    }
    // The common case, a complete header, without the detour through JSONSerialization.
    if let header = try? decoder().decode(CheckpointHeader.self, from: Data(bytes)), header.kind == "attend-model" {
      return header
    }
    guard var object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
      throw fail("not a JSON object")
    }
    guard object["kind"] as? String == "attend-model" else {
      throw fail("kind is \(object["kind"].map { "\($0)" } ?? "missing"), expected \"attend-model\"")
    }
    if let stored = object["training_state"] { object["training_state"] = merge(stored, over: defaultTrainingState) }
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      return try decoder().decode(CheckpointHeader.self, from: data)
    } catch let error as DecodingError {
      throw fail(describe(error))
    } catch {
      throw fail("\(error)")
    }
  }

  /// A training state with every field at its default, as a JSON object.
  nonisolated(unsafe) private static let defaultTrainingState = defaultObject(
    TrainingState(
      batcher: BatcherState(epoch: 0, position: 0, randomState: [0, 0, 0, 0], batches: []),
      randomState: [0, 0, 0, 0], learningRate: 0))

  private static func defaultObject<T: Encodable>(_ value: T) -> Any {
    // Configs and states are plain numbers, strings, bools and arrays: encoding cannot fail.
    let data = try! encoder().encode(value)
    return try! JSONSerialization.jsonObject(with: data)
  }

  /// `stored` with the keys it lacks taken from `defaults`, recursively through objects.
  static func merge(_ stored: Any, over defaults: Any) -> Any {
    guard var result = stored as? [String: Any], let base = defaults as? [String: Any] else { return stored }
    for (key, value) in base {
      if let present = result[key] {
        result[key] = merge(present, over: value)
      } else {
        result[key] = value
      }
    }
    return result
  }

  /// "training_state.batcher.epoch: expected Int" from a `DecodingError`, with the keys spelled
  /// as in the file.
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
        .replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "missing field \(path(context.codingPath + [key]))"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)): expected \(type)"
    case .valueNotFound(let type, let context):
      return "\(path(context.codingPath)): expected \(type), found null"
    case .dataCorrupted(let context):
      return "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }
}

/// "sourceVocabulary" → "source_vocabulary", "bestBLEU" → "best_bleu", "BLEUScore" → "bleu_score":
/// a property name as the header spells it.
func snakeCase(_ name: String) -> String {
  let characters = Array(name)
  var result = ""
  for (i, character) in characters.enumerated() {
    if character.isUppercase && i > 0 {
      let previous = characters[i - 1]
      let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
      if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result += "_" }
    }
    result += character.lowercased()
  }
  return result
}

/// A coding key made from a string.
struct AnyCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
