import AttendCheckpoint
import AttendData
import AttendModel
import Foundation

// What `attend checkpoint inspect`, `attend export` and `attend average` do, as library calls
// (the commands only print): look inside a checkpoint, write its weights as safetensors, and
// average the parameters of several checkpoints of one model.

/// A checkpoint read, checked and described: what `attend checkpoint inspect` prints.
public struct CheckpointInspection {
  public struct Tensor: Equatable {
    public var name: String
    public var shape: [Int]
    public var count: Int
    /// Parameter, or optimizer moment (`optimizer.*`).
    public var isOptimizerState: Bool
  }

  public var path: String
  public var version: UInt32
  public var kind: CheckpointKind
  public var fileSize: UInt64
  public var header: TrainingCheckpointHeader
  /// In file order.
  public var tensors: [Tensor]
}

extension ModelCheckpoint {
  /// Reads the whole checkpoint at `path`, verifying every checksum and that the header
  /// describes the tensors, and returns what it holds.
  public static func inspect(_ path: String) throws -> CheckpointInspection {
    let checkpoint = try Checkpoint.read(from: path)
    let read = try decode(checkpoint, path: path)
    var status = stat()
    let size = stat(path, &status) == 0 ? UInt64(status.st_size) : 0  // follows latest/best links
    return CheckpointInspection(
      path: path, version: checkpoint.version, kind: checkpoint.kind, fileSize: size, header: read.header,
      tensors: checkpoint.tensors.map {
        .init(name: $0.name, shape: $0.shape, count: $0.values.count, isOptimizerState: $0.name.hasPrefix("optimizer."))
      })
  }

  /// Writes the parameters of the checkpoint at `path` to `output` in the safetensors format,
  /// named as in the parameter store, which are the names of the PyTorch reference model
  /// (scripts/reference_model.py), so `model.load_state_dict(load_file(output))` works as is.
  /// The metadata's `attend_header` holds the checkpoint header as JSON (config, vocabularies),
  /// without the training state, so the file is enough to rebuild and run the model.
  /// Returns the number of tensors written.
  @discardableResult
  public static func exportSafeTensors(from path: String, to output: String) throws -> Int {
    let read = try read(from: path)
    let store = read.loaded.model.parameters
    let tensors = store.infos.map { info in
      CheckpointTensor(
        name: info.name, shape: info.shape,
        values: Array(UnsafeBufferPointer(start: store.values.pointer + info.offset, count: info.count)))
    }
    var header = read.header
    header.trainingState = nil
    header.optimizer = nil
    let json = String(decoding: try StoredJSON.encoder().encode(header), as: UTF8.self)
    try SafeTensors.write(tensors, metadata: ["format": "pt", "attend_header": json], to: output)
    return tensors.count
  }

  /// Averages the parameters of the checkpoints at `paths` (Polyak averaging of the end of a
  /// run, or an ensemble of runs of one model) and returns the result as a model with the first
  /// checkpoint's header: no metric, no training state, `averagedFrom` = `paths`. The
  /// checkpoints must describe the same model: same model config and vocabularies, same
  /// preprocessing. Sums are taken in Double, one file in memory at a time.
  public static func average(_ paths: [String]) throws -> (model: Seq2Seq, header: TrainingCheckpointHeader) {
    precondition(!paths.isEmpty, "average needs at least one checkpoint")
    let first = try read(from: paths[0])
    let model = first.loaded.model
    let count = model.parameters.count
    var sum = [Double](repeating: 0, count: count)
    func add(_ source: Seq2Seq) {
      let values = source.parameters.values.pointer
      for i in 0..<count { sum[i] += Double(values[i]) }
    }
    add(model)
    let reference = try modelIdentity(first.header)
    for path in paths.dropFirst() {
      let next = try read(from: path)
      let identity = try modelIdentity(next.header)
      if identity != reference {
        let keys = Set(identity.keys).union(reference.keys).filter { identity[$0] != reference[$0] }.sorted()
        throw CheckpointError(
          path: paths[0], problem: .incompatible(other: path, detail: "they differ in \(keys.joined(separator: ", "))"))
      }
      guard next.loaded.model.parameters.infos == model.parameters.infos else {
        throw CheckpointError(
          path: paths[0], problem: .incompatible(other: path, detail: "their parameter tensors differ"))
      }
      add(next.loaded.model)
    }
    let scale = 1 / Double(paths.count)
    for i in 0..<count { model.parameters.values.pointer[i] = Float(sum[i] * scale) }
    var header = first.header
    header.metric = nil
    header.devBLEU = nil
    header.trainingState = nil
    header.optimizer = nil
    header.averagedFrom = paths
    header.createdAt = ISO8601DateFormatter().string(from: Date())
    return (model, header)
  }

  /// The parts of a header that must agree for two checkpoints to be one model: each top-level
  /// field except those about a run's progress, plus the data settings that shape the input,
  /// as JSON text by field name. Fields added later (say, preprocessing) take part by default.
  static func modelIdentity(_ header: TrainingCheckpointHeader) throws -> [String: String] {
    let progress: Set<String> = [
      "run_name", "step", "epoch", "dev_bleu", "best_bleu", "created_at", "metric", "training_state", "optimizer",
      "data_fingerprint", "run_id", "averaged_from", "experiment",
    ]
    let data = try StoredJSON.encoder().encode(header)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    var identity: [String: String] = [:]
    for (key, value) in object where !progress.contains(key) {
      let text = try JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
      identity[key] = String(decoding: text, as: UTF8.self)
    }
    identity["experiment.data.lowercase"] = String(header.experiment.data.lowercase)
    return identity
  }
}
