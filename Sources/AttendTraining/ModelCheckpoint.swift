import AttendData
import AttendModel
import AttendStorage
import Foundation

/// What an Attend checkpoint's JSON header holds besides the tensors.
public struct CheckpointHeader: Codable, Equatable, Sendable {
  /// "attend-model": lets a reader reject a checkpoint of another kind with a clear message.
  public var kind: String = "attend-model"
  public var experiment: ExperimentConfig
  /// The model's shape, vocabulary sizes included.
  public var model: ModelConfig
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary
  public var runName: String
  public var step: Int
  public var epoch: Int
  public var devBLEU: Double?
  public var bestBLEU: Double?
  public var createdAt: String
}

/// A trained model with everything needed to translate with it.
public struct LoadedModel {
  public let header: CheckpointHeader
  public let model: Seq2Seq
  public var tokenizer: Tokenizer { Tokenizer(lowercase: header.experiment.data.lowercase) }
}

public enum ModelCheckpoint {
  public struct LoadError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Saves the model's parameters (tensor names as in the parameter store) with `header`.
  /// Atomic: an existing file at `path` is replaced only by a complete new one.
  public static func save(_ model: Seq2Seq, header: CheckpointHeader, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(header)
    let store = model.parameters
    let tensors = store.infos.map { info in
      CheckpointTensor(
        name: info.name, shape: info.shape,
        values: Array(UnsafeBufferPointer(start: store.values.pointer + info.offset, count: info.count)))
    }
    try Checkpoint.write(Checkpoint(header: Array(json), tensors: tensors), to: path)
  }

  /// Loads a checkpoint written by `save`, checking that every tensor the model expects is
  /// there with the right shape.
  public static func load(from path: String) throws -> LoadedModel {
    let checkpoint = try Checkpoint.read(from: path)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let header: CheckpointHeader
    do {
      header = try decoder.decode(CheckpointHeader.self, from: Data(checkpoint.header))
    } catch {
      throw LoadError(description: "\(path): the checkpoint header is not an Attend model header (\(error))")
    }
    guard header.kind == "attend-model" else {
      throw LoadError(description: "\(path): checkpoint kind '\(header.kind)', expected 'attend-model'")
    }
    let model = Seq2Seq(config: header.model, seed: 0)
    let byName = Dictionary(checkpoint.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for info in model.parameters.infos {
      guard let tensor = byName[info.name] else {
        throw LoadError(description: "\(path): tensor '\(info.name)' is missing")
      }
      guard tensor.shape == info.shape, tensor.values.count == info.count else {
        throw LoadError(
          description: "\(path): tensor '\(info.name)' has shape \(tensor.shape), the model expects \(info.shape)")
      }
      tensor.values.withUnsafeBufferPointer {
        (model.parameters.values.pointer + info.offset).update(from: $0.baseAddress!, count: info.count)
      }
    }
    return LoadedModel(header: header, model: model)
  }
}
