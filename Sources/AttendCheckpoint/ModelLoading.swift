import AttendData
import AttendKernels
import AttendModel
import Foundation

// The model <-> checkpoint glue below the byte format: which tensors a checkpoint holds and how
// they are named, and every check that stands between a file and a `Seq2Seq` built from it.
// Translation loads through here without the training module; training adds its header and
// optimizer state on top (AttendTraining/Checkpoints). docs/checkpoint-format.md ("Header",
// "Tensor names") is the user-facing description.

/// The tensor naming scheme. Parameters keep their `ParameterStore` names, which are the names
/// of the PyTorch reference model's `state_dict` (scripts/reference_model.py), so an export needs
/// no renaming. An optimizer's per-parameter state is `optimizer.<buffer>.<parameter>`, one
/// buffer per prefix, as `torch.optim` names them: Adam's moments of parameter `p` are
/// `optimizer.exp_avg.p` and `optimizer.exp_avg_sq.p`. Loading needs no list of optimizers: a
/// prefix is whatever stands before a parameter's name.
public enum CheckpointTensorName {
  /// Every optimizer state tensor's name starts with this.
  public static let optimizerPrefix = "optimizer."
  public static let firstMomentPrefix = "optimizer.exp_avg."
  public static let secondMomentPrefix = "optimizer.exp_avg_sq."
  /// SGD's momentum buffer of parameter `p` is `optimizer.momentum_buffer.p`.
  public static let momentumBufferPrefix = "optimizer.momentum_buffer."

  public static func firstMoment(of parameter: String) -> String { firstMomentPrefix + parameter }
  public static func secondMoment(of parameter: String) -> String { secondMomentPrefix + parameter }

  /// "optimizer.exp_avg." for "optimizer.exp_avg.encoder.embedding.weight" when that parameter
  /// exists; nil for a name that is no optimizer state of one of `parameters`.
  static func optimizerBufferPrefix(of name: String, parameters: Set<String>) -> String? {
    guard name.hasPrefix(optimizerPrefix) else { return nil }
    let rest = name.dropFirst(optimizerPrefix.count)
    guard let dot = rest.firstIndex(of: "."), parameters.contains(String(rest[rest.index(after: dot)...])) else {
      return nil
    }
    return optimizerPrefix + rest[...dot]
  }
}

/// A checkpoint read and checked: the model ready to translate, and for training checkpoints
/// the optimizer's state buffers in the parameter store's flat layout.
public struct ReadCheckpoint {
  public var loaded: LoadedModel
  public var kind: CheckpointKind
  public var version: UInt32
  /// The optimizer state prefixes the file holds (`CheckpointTensorName`), in file order: every
  /// parameter has a tensor of its shape under each.
  public var optimizerPrefixes: [String]
  /// By prefix, each flat like `model.parameters.values`; empty for model checkpoints and when
  /// not kept.
  public var optimizerBuffers: [String: [Float]]
  /// The JSON header as stored, for readers of the parts `CheckpointHeader` reads past.
  public var headerBytes: [UInt8]
}

/// Reading models from checkpoint files, and writing them.
public enum ModelCheckpoint {
  /// Loads a model or training checkpoint of any readable format version for translation,
  /// checking the header against the tensors and every tensor the model needs.
  public static func load(from path: String) throws -> LoadedModel {
    try readModel(from: path, moments: false).loaded
  }

  /// Writes parameters (tensor names as in the parameter store) and, for a training checkpoint,
  /// the optimizer's state buffers (each laid out like the parameters, one tensor per parameter
  /// named `prefix + parameter`), after `header` (JSON already encoded with
  /// `StoredJSON.encoder()`). Atomic: an existing file at `path` is replaced only by a complete
  /// new one.
  public static func write(
    parameters store: ParameterStore, optimizerBuffers: [(prefix: String, buffer: FloatBuffer)] = [],
    header: [UInt8], kind: CheckpointKind, to path: String
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
    try Checkpoint.write(Checkpoint(header: header, tensors: tensors, kind: kind), to: path)
  }

  /// Reads and checks a checkpoint: the bytes (Format/), the header (JSON, kind, the model it
  /// describes against the tensors, before any allocation that size), then every tensor.
  /// `moments: false` (translation): the optimizer state of a training checkpoint is checked
  /// (CRC, names, shapes) but not kept, which saves up to two copies of the model's size in memory.
  public static func readModel(from path: String, moments: Bool = true) throws -> ReadCheckpoint {
    let checkpoint = try Checkpoint.read(
      from: path, keepingValues: { moments || !$0.hasPrefix(CheckpointTensorName.optimizerPrefix) })
    return try decodeModel(checkpoint, path: path, moments: moments)
  }

  /// `readModel` for a checkpoint already read from `path`.
  public static func decodeModel(_ checkpoint: Checkpoint, path: String, moments: Bool = true) throws -> ReadCheckpoint {
    let header = try StoredJSON.decodeHeader(CheckpointHeader.self, checkpoint.header, path: path)
    func fail(_ problem: CheckpointError.Problem) -> CheckpointError {
      CheckpointError(path: path, problem: problem)
    }
    if checkpoint.kind == .training {
      let sections = try StoredJSON.decodeHeader(TrainingSections.self, checkpoint.header, path: path)
      guard sections.trainingState != nil, sections.optimizer != nil else {
        throw fail(.invalidHeader("a training checkpoint without training_state and optimizer"))
      }
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
    // Optimizer state: every prefix found must cover every parameter with its shape.
    var prefixes: [String] = []
    var buffers: [String: [Float]] = [:]
    if checkpoint.kind == .training {
      let names = Set(store.infos.map(\.name))
      for tensor in checkpoint.tensors {
        if let prefix = CheckpointTensorName.optimizerBufferPrefix(of: tensor.name, parameters: names),
          !prefixes.contains(prefix)
        {
          prefixes.append(prefix)
        }
      }
      for prefix in prefixes {
        let buffer = FloatBuffer(count: moments ? store.count : 0)
        for info in store.infos {
          let name = prefix + info.name
          if moments {
            try take(name, info, into: buffer.pointer)
          } else {
            guard let tensor = byName.removeValue(forKey: name) else { throw fail(.missingTensor(name)) }
            guard tensor.shape == info.shape else {
              throw fail(.shapeMismatch(name: name, found: tensor.shape, expected: info.shape))
            }
          }
        }
        if moments { buffers[prefix] = Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)) }
      }
    }
    if let extra = byName.keys.sorted().first { throw fail(.unexpectedTensor(extra)) }
    let preprocessing = try header.preprocessing ?? StoredJSON.legacyPreprocessing(checkpoint.header, path: path)
    return ReadCheckpoint(
      loaded: LoadedModel(header: header, model: model, preprocessing: preprocessing), kind: checkpoint.kind,
      version: checkpoint.version, optimizerPrefixes: prefixes, optimizerBuffers: buffers,
      headerBytes: checkpoint.header)
  }

  /// Reads only the header (no tensors): for listings and pointers. The bytes are checked as far
  /// as the header section goes, the JSON fully.
  public static func readHeader(from path: String) throws -> (header: CheckpointHeader, kind: CheckpointKind, version: UInt32) {
    let bytes = try Checkpoint.readHeader(from: path)
    return (try StoredJSON.decodeHeader(CheckpointHeader.self, bytes.header, path: path), bytes.kind, bytes.version)
  }

  /// Refuses a header whose model cannot be built from the file: an invalid model config (what
  /// `ModelConfig.problems()` lists), vocabulary sizes that disagree with the vocabularies, or a
  /// model needing more parameters than the file holds floats. The last check bounds what
  /// building the model allocates by the file size, whatever the header says: the embedding
  /// tables and the recurrent matrices alone need E·(Vs + Vt) + 3H²·(encoder + decoder layers)
  /// parameters in every variant.
  public static func checkModelSize(_ header: CheckpointHeader, floatsInFile: Int, path: String) throws {
    func fail(_ detail: String) -> CheckpointError {
      CheckpointError(path: path, problem: .inconsistentModel(detail))
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

