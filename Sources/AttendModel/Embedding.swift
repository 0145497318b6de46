import AttendKernels

/// A lookup table [V, E]: row `id` is the vector of token `id`.
public struct Embedding {
  public let table: ParameterID
  public let vocabularySize: Int
  public let size: Int

  public init(_ store: ParameterStore, _ name: String, vocabulary: Int, size: Int) {
    table = store.declare("\(name).weight", [vocabulary, size])
    vocabularySize = vocabulary
    self.size = size
  }

  /// out[r, :] = table[ids[r], :] for each of the `ids.count` rows, rows `ldo` floats apart.
  public func forward(
    _ store: ParameterStore, ids: UnsafeBufferPointer<Int32>, out: UnsafeMutablePointer<Float>,
    ldo: Int
  ) {
    let t = store.value(table)
    for (r, id) in ids.enumerated() {
      (out + r * ldo).update(from: t + Int(id) * size, count: size)
    }
  }

  /// dTable[ids[r], :] += dOut[r, :]. Padding rows carry zero gradient, so they add nothing.
  public func backward(
    _ store: ParameterStore, ids: UnsafeBufferPointer<Int32>, dOut: UnsafePointer<Float>, ldo: Int
  ) {
    let g = store.gradient(table)
    for (r, id) in ids.enumerated() {
      VectorMath.axpy(1, dOut + r * ldo, g + Int(id) * size, count: size)
    }
  }
}
