import Foundation

/// An owned, 64-byte-aligned, zero-initialised run of Floats. Layers keep their activations in
/// these so that the step loops never allocate.
///
/// Buffers of a megabyte or more are mapped straight from the kernel: their pages are zero and
/// take no memory until first written. A workspace sized for training holds gradient buffers a
/// decoding pass never touches, and a batch shorter than the longest seen uses only the front of
/// each buffer; neither then counts towards the process's resident memory.
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

  deinit { FloatBuffer.deallocate(pointer, capacity: capacity) }

  /// Buffers from this size on are mapped (see the type's comment).
  static let mappedBytes = 1 << 20

  private static func allocate(_ n: Int) -> UnsafeMutablePointer<Float> {
    if n * 4 >= mappedBytes {
      let raw = mmap(nil, n * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
      guard let raw, raw != MAP_FAILED else { fatalError("out of memory: cannot map \(n * 4) bytes") }
      return raw.bindMemory(to: Float.self, capacity: n)
    }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
    let p = raw.bindMemory(to: Float.self, capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
  }

  private static func deallocate(_ p: UnsafeMutablePointer<Float>, capacity n: Int) {
    if n * 4 >= mappedBytes {
      munmap(p, n * 4)
    } else {
      p.deallocate()
    }
  }

  /// Makes room for `newCount` floats. Contents are unspecified afterwards unless `zero`.
  /// Grows only: a smaller batch reuses the larger allocation.
  public func resize(_ newCount: Int, zero: Bool = false) {
    if newCount > capacity {
      FloatBuffer.deallocate(pointer, capacity: capacity)
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
