import Foundation

// Foundation's JSONDecoder reports a number that does not fit its field (3.5 for an Int, 1e+300
// for an Int or a Float) as "The given data was not valid JSON." with no field at all. This finds
// the field, so the error can name it.

extension StoredJSON {
  /// "training_state.step: expected a whole number, found 3.5" for the first number in `object`
  /// whose value its field's type cannot hold, found by taming suspects one by one (rounding a
  /// fraction, zeroing what lies beyond ±2^63) until `failsOnANumber` stops failing; nil if none
  /// explains the failure. Only numbers with a fraction or beyond ±2^63 are suspects: every field
  /// type holds the others. Costs one decode per suspect, on the error path only.
  static func unfitNumberField(in object: Any, failsOnANumber: (Data) -> Bool) -> String? {
    var suspects: [(path: [PathStep], value: NSNumber)] = []
    collectSuspects(object, path: [], into: &suspects)
    var tamed = object
    for suspect in suspects {
      let x = suspect.value.doubleValue
      let fitsAnInteger = x.isFinite && abs(x) < 0x1p63
      tamed = replacing(tamed, at: suspect.path[...], with: NSNumber(value: fitsAnInteger ? x.rounded() : 0))
      guard let data = try? JSONSerialization.data(withJSONObject: tamed), !failsOnANumber(data) else { continue }
      let field = suspect.path.map(\.text).joined().drop { $0 == "." }
      let expected = fitsAnInteger ? "expected a whole number" : "expected a number within the range of its type"
      return "\(field): \(expected), found \(suspect.value)"
    }
    return nil
  }

  /// A key or an index in a path through JSON.
  enum PathStep {
    case key(String)
    case index(Int)
    var text: String {
      switch self {
      case .key(let key): return "." + key
      case .index(let index): return "[\(index)]"
      }
    }
  }

  private static func collectSuspects(_ value: Any, path: [PathStep], into suspects: inout [(path: [PathStep], value: NSNumber)]) {
    if let object = value as? [String: Any] {
      for key in object.keys.sorted() { collectSuspects(object[key]!, path: path + [.key(key)], into: &suspects) }
    } else if let array = value as? [Any] {
      for (index, element) in array.enumerated() { collectSuspects(element, path: path + [.index(index)], into: &suspects) }
    } else if let number = value as? NSNumber, !(value is String) {
      let x = number.doubleValue
      if !x.isFinite || x.rounded() != x || abs(x) >= 0x1p63 { suspects.append((path: path, value: number)) }
    }
  }

  private static func replacing(_ value: Any, at path: ArraySlice<PathStep>, with replacement: Any) -> Any {
    guard let first = path.first else { return replacement }
    switch first {
    case .key(let key):
      guard var object = value as? [String: Any], let child = object[key] else { return value }
      object[key] = replacing(child, at: path.dropFirst(), with: replacement)
      return object
    case .index(let index):
      guard var array = value as? [Any], array.indices.contains(index) else { return value }
      array[index] = replacing(array[index], at: path.dropFirst(), with: replacement)
      return array
    }
  }
}
