/// Vectorised activations. libm's scalar expf/tanhf cost ~4.5 ns an element; these SIMD16
/// polynomials cost ~0.25 ns, and activations would otherwise dominate a GRU step.
///
/// `exp` has a relative error below 2e-7 on [-87, 88]; inputs outside saturate to 0 or to
/// about 1.6e38. `sigmoid` and `tanh` are built on it and are accurate to ~1e-7 absolute.
public typealias Float16x = SIMD16<Float>

public enum VectorMath {
  /// e^x, lane-wise.
  @inlinable @inline(__always)
  public static func exp(_ x: Float16x) -> Float16x {
    // x = n ln2 + r with |r| <= ln2 / 2; e^x = 2^n e^r.
    let clamped = x.replacing(with: 88.3762626647949, where: x .> 88.3762626647949)
      .replacing(with: -87.3365478515625, where: x .< -87.3365478515625)
    // Round-to-nearest by adding 1.5 * 2^23: the integer lands in the low mantissa bits.
    let shifter: Float16x = Float16x(repeating: 12582912.0)
    let biased = clamped * 1.44269504088896341 + shifter
    let n = biased - shifter
    // Cody–Waite split of ln 2 keeps r exact.
    var r = clamped - n * 0.693359375
    r = r + n * 2.12194440e-4
    // Degree-6 minimax-style polynomial for e^r on [-ln2/2, ln2/2].
    var p: Float16x = Float16x(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    // 2^n from the exponent bits; n is in [-126, 128) after the clamp above.
    let nBits = unsafeBitCast(biased, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: Float16x.self)
    return p * scale
  }

  /// 1 / (1 + e^-x), lane-wise.
  @inlinable @inline(__always)
  public static func sigmoid(_ x: Float16x) -> Float16x {
    1 / (1 + exp(-x))
  }

  /// tanh(x) = 1 - 2 / (e^{2x} + 1), lane-wise; exact ±1 in the tails.
  @inlinable @inline(__always)
  public static func tanh(_ x: Float16x) -> Float16x {
    let e = exp(x + x)
    return 1 - 2 / (e + 1)
  }

  /// Loads up to 16 floats, padding with `fill`.
  @inlinable @inline(__always)
  public static func load(_ p: UnsafePointer<Float>, count: Int, fill: Float = 0) -> Float16x {
    if count >= 16 { return UnsafeRawPointer(p).loadUnaligned(as: Float16x.self) }
    var v = Float16x(repeating: fill)
    for i in 0..<count { v[i] = p[i] }
    return v
  }

  /// Stores the first `count` (at most 16) lanes.
  @inlinable @inline(__always)
  public static func store(_ v: Float16x, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 16 {
      UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float16x.self)
      return
    }
    for i in 0..<count { p[i] = v[i] }
  }

  /// Applies `f` to `count` floats from `x` into `y` (which may equal `x`).
  @inlinable @inline(__always)
  public static func map(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
    _ f: (Float16x) -> Float16x
  ) {
    var i = 0
    while i < count {
      let width = Swift.min(16, count - i)
      store(f(load(x + i, count: width)), y + i, count: width)
      i += 16
    }
  }

  public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    map(x, y, count: count) { tanh($0) }
  }

  public static func sigmoid(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    map(x, y, count: count) { sigmoid($0) }
  }

  public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    map(x, y, count: count) { exp($0) }
  }

  /// Sum of squares, for gradient norms.
  public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var acc = Float16x()
    var total: Double = 0
    var i = 0
    // Flush the Float accumulator to Double every 4096 elements to keep long sums accurate.
    while i < count {
      let width = Swift.min(16, count - i)
      let v = load(x + i, count: width)
      acc += v * v
      i += 16
      if i % 4096 == 0 {
        total += Double(acc.sum())
        acc = Float16x()
      }
    }
    return total + Double(acc.sum())
  }

  /// y += alpha * x.
  public static func axpy(
    _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    var i = 0
    while i + 16 <= count {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: Float16x.self)
      let w = UnsafeRawPointer(y + i).loadUnaligned(as: Float16x.self)
      UnsafeMutableRawPointer(y + i).storeBytes(of: w + alpha * v, as: Float16x.self)
      i += 16
    }
    while i < count {
      y[i] += alpha * x[i]
      i += 1
    }
  }

  /// Dot product of two float vectors.
  @inlinable
  public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    var acc = Float16x()
    var i = 0
    while i + 16 <= count {
      acc += UnsafeRawPointer(x + i).loadUnaligned(as: Float16x.self)
        * UnsafeRawPointer(y + i).loadUnaligned(as: Float16x.self)
      i += 16
    }
    var sum = acc.sum()
    while i < count {
      sum += x[i] * y[i]
      i += 1
    }
    return sum
  }
}
