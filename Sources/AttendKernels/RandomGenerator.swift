/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. Deterministic across platforms,
/// and its whole state is four words, so checkpoints can save and restore it exactly.
public struct RandomGenerator: RandomNumberGenerator, Equatable, Sendable {
  public var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public init(state words: [UInt64]) {
    precondition(words.count == 4, "a RandomGenerator state is four words")
    state = (words[0], words[1], words[2], words[3])
  }

  public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

  public static func == (l: RandomGenerator, r: RandomGenerator) -> Bool {
    l.stateWords == r.stateWords
  }

  @inline(__always)
  private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = RandomGenerator.rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = RandomGenerator.rotl(state.3, 45)
    return result
  }

  /// Uniform in [0, 1) with 24 random bits.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Uniform in [0, 1) with 53 random bits.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// Uniform integer in 0..<bound (Lemire's nearly-divisionless method, unbiased).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0)
    return Int(next(upperBound: UInt64(bound)))
  }

  /// Standard normal sample (Box–Muller).
  public mutating func nextNormal() -> Float {
    var u1 = nextDouble()
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = nextDouble()
    return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
  }

  /// Fisher–Yates shuffle driven by this generator (the standard library's shuffle algorithm is
  /// not guaranteed stable across Swift versions, so Attend keeps its own).
  public mutating func shuffle<T>(_ array: inout [T]) {
    if array.count < 2 { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }
}

@inline(__always) private func _log(_ x: Double) -> Double {
  #if canImport(Glibc)
    return Glibc.log(x)
  #else
    return Foundation.log(x)
  #endif
}

@inline(__always) private func _cos(_ x: Double) -> Double {
  #if canImport(Glibc)
    return Glibc.cos(x)
  #else
    return Foundation.cos(x)
  #endif
}

#if canImport(Glibc)
  import Glibc
#else
  import Foundation
#endif
