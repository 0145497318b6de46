import AttendData
import AttendModel
import Foundation

/// A checkpoint header type: `StoredJSON.decodeHeader` checks its `kind`.
public protocol StoredHeader: Decodable {
  /// "attend-model" in every Attend checkpoint.
  var kind: String { get }
}

extension CheckpointHeader: StoredHeader {}

/// Training checkpoints' `training_state` and `optimizer`, read only to check that they are there.
struct TrainingSections: StoredHeader {
  struct Present: Decodable {
    init(from decoder: Decoder) throws {}
  }
  var kind: String
  var trainingState: Present?
  var optimizer: Present?
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
  public static func decoder() -> JSONDecoder {
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

  /// Decodes a checkpoint header. A header that lacks fields (written before they existed) is
  /// decoded again with its nested objects named in `defaults` (training's `training_state`)
  /// laid over the current defaults, so it reads as those
  /// settings' defaults (which, by convention, are the old behaviour) instead of failing.
  public static func decodeHeader<Header: StoredHeader>(
    _ type: Header.Type, _ bytes: [UInt8], path: String, defaults: [(String, Any)] = modelDefaults
  ) throws -> Header {
    func fail(_ detail: String) -> CheckpointError {
      CheckpointError(path: path, problem: .invalidHeader(detail))
    }
    // The common case, a complete header, without the detour through JSONSerialization.
    if let header = try? decoder().decode(Header.self, from: Data(bytes)), header.kind == "attend-model" {
      return header
    }
    guard var object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
      throw fail("not a JSON object")
    }
    guard object["kind"] as? String == "attend-model" else {
      throw fail("kind is \(object["kind"].map { "\($0)" } ?? "missing"), expected \"attend-model\"")
    }
    for (key, defaults) in defaults {
      if let stored = object[key] { object[key] = merge(stored, over: defaults) }
    }
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      return try decoder().decode(Header.self, from: data)
    } catch let error as DecodingError {
      if isUnnamedNumberError(error),
        let field = unfitNumberField(
          in: object,
          failsOnANumber: { data in
            do { _ = try decoder().decode(Header.self, from: data) } catch let error as DecodingError {
              return isUnnamedNumberError(error)
            } catch {}
            return false
          })
      {
        throw fail(field)
      }
      throw fail(describe(error))
    } catch {
      throw fail("\(error)")
    }
  }

  /// Foundation's error for a number its field cannot hold: "not valid JSON", at no field.
  static func isUnnamedNumberError(_ error: DecodingError) -> Bool {
    if case .dataCorrupted(let context) = error, context.codingPath.isEmpty { return true }
    return false
  }

  /// Nested objects the common header merges over defaults: none, since `model` reads the keys
  /// it lacks as their declared defaults (DeclaredConfig).
  nonisolated(unsafe) public static let modelDefaults: [(String, Any)] = []

  /// For headers written before `preprocessing` was stored: whole words, lowercased when the
  /// experiment's `data.lowercase` was set (the only text setting there was).
  static func legacyPreprocessing(_ bytes: [UInt8], path: String) throws -> TextPreprocessing {
    struct Legacy: Decodable {
      struct Experiment: Decodable { var data: DataPart? }
      struct DataPart: Decodable { var lowercase: Bool? }
      var experiment: Experiment?
    }
    do {
      let legacy = try decoder().decode(Legacy.self, from: Data(bytes))
      return .wholeWords(lowercase: legacy.experiment?.data?.lowercase ?? false)
    } catch let error as DecodingError {
      throw CheckpointError(path: path, problem: .invalidHeader(describe(error)))
    }
  }

  public static func defaultObject<T: Encodable>(_ value: T) -> Any {
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
