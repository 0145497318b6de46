import AttendData
import AttendModel
import Foundation

/// What must stay the same for `attend train --resume` to continue exactly: the config keys that
/// change how a step is computed, and the data.
public enum ResumeCheck {
  /// Keys that may differ between a checkpoint and the run that resumes it: they decide when to
  /// stop, where files go and what is logged, never what a step computes (declared with
  /// `changeableOnResumeKey()`). Every other key must match (so a key added later is protected by
  /// default). `logging.*` may all change.
  public static let changeableKeys: Set<String> = Set(
    DataConfig.keys.filter(\.changeableOnResume).map { "data." + $0.name }
      + TrainingConfig.keys.filter(\.changeableOnResume).map { "training." + $0.name })

  public static func isChangeable(_ key: String) -> Bool {
    changeableKeys.contains(key) || key.hasPrefix("logging.")
  }

  /// The keys (dotted snake_case paths) whose values differ and may not, sorted.
  public static func configDifferences(checkpoint: ExperimentConfig, current: ExperimentConfig) -> [ConfigDifference] {
    let stored = flatten(object(checkpoint))
    let now = flatten(object(current))
    return Set(stored.keys).union(now.keys).sorted().compactMap { key in
      let (a, b) = (stored[key] ?? "(unset)", now[key] ?? "(unset)")
      guard a != b, !isChangeable(key) else { return nil }
      return ConfigDifference(key: key, checkpointValue: a, configValue: b)
    }
  }

  /// A fingerprint of the training and dev pairs as ids, e.g. "train:3f2a… dev:91c0…" (FNV-1a
  /// over 64-bit words, one hash per set): equal fingerprints mean the same pairs in the same
  /// order, up to hash collisions, which no accidental change of data comes near.
  public static func dataFingerprint(train: [EncodedPair], dev: [EncodedPair]) -> String {
    "train:\(hash(train)) dev:\(hash(dev))"
  }

  /// Which part ("train", "dev") of two fingerprints differs.
  public static func differingParts(_ a: String, _ b: String) -> [String] {
    let (x, y) = (a.split(separator: " "), b.split(separator: " "))
    guard x.count == y.count else { return ["train", "dev"] }
    return zip(x, y).filter { $0 != $1 }.map { String($0.0.prefix { $0 != ":" }) }
  }

  private static func hash(_ pairs: [EncodedPair]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ value: Int64) {
      h = (h ^ UInt64(bitPattern: value)) &* 0x0000_0100_0000_01b3
      h ^= h >> 29
    }
    for pair in pairs {
      mix(Int64(pair.index))
      mix(-1)
      for id in pair.source { mix(Int64(id)) }
      mix(-2)
      for id in pair.target { mix(Int64(id)) }
      mix(-3)
    }
    let digits = String(h, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }

  private static func object(_ config: ExperimentConfig) -> Any {
    // A config is plain numbers, strings, bools and enums: encoding cannot fail.
    let data = try! StoredJSON.encoder().encode(config)
    return try! JSONSerialization.jsonObject(with: data)
  }

  /// Leaves of nested objects by dotted path, each as compact JSON text.
  private static func flatten(_ value: Any, prefix: String = "") -> [String: String] {
    if let object = value as? [String: Any] {
      var result: [String: String] = [:]
      for (key, child) in object {
        result.merge(flatten(child, prefix: prefix.isEmpty ? key : prefix + "." + key)) { a, _ in a }
      }
      return result
    }
    let text: String
    if JSONSerialization.isValidJSONObject([value]),
      let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes])
    {
      text = String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    } else {
      text = "\(value)"
    }
    return [prefix: text]
  }
}
