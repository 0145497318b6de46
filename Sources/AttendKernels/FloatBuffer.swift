/// An owned, 64-byte-aligned, zero-initialised run of Floats. Layers keep their activations in
/// these so that the step loops never allocate.
public final class FloatBuffer {
  public private(set) var pointer: UnsafeMutablePointer<Float>
  public private(set) var count: Int
  private var capacity: Int

  public init(count: Int) {
    self.count = count
    self.capacity = Swift.max(count, 1)
    pointer = FloatBuffer.allocate(capacity)
  }

  public convenience init(_ values: [Float]) {
    self.init(count: values.count)
    for (i, v) in values.enumerated() { pointer[i] = v }
  }

  deinit { pointer.deallocate() }

  private static func allocate(_ n: Int) -> UnsafeMutablePointer<Float> {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
    let p = raw.bindMemory(to: Float.self, capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
  }

  /// Makes room for `newCount` floats. Contents are unspecified afterwards unless `zero`.
  /// Grows only: a smaller batch reuses the larger allocation.
  public func resize(_ newCount: Int, zero: Bool = false) {
    if newCount > capacity {
      pointer.deallocate()
      capacity = newCount
      pointer = FloatBuffer.allocate(capacity)
    } else if zero {
      pointer.update(repeating: 0, count: newCount)
    }
    count = newCount
  }

  public func zero() { pointer.update(repeating: 0, count: count) }

  public subscript(i: Int) -> Float {
    get { pointer[i] }
    set { pointer[i] = newValue }
  }

  public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
