import AttendKernels

/// Inverted dropout (Srivastava et al. 2014): in training each value is zeroed with probability p
/// and the survivors are scaled by 1 / (1 − p), so nothing changes at inference, where dropout is
/// off. A mask is drawn once per batch from the training generator, kept for the backward pass
/// (which multiplies by the same mask), and so is reproducible from the seed.
public enum Dropout {
  /// mask[i] = 0 with probability `rate`, else 1 / (1 − rate). [count]
  public static func sample(
    _ mask: UnsafeMutablePointer<Float>, count: Int, rate: Float, rng: inout RandomGenerator
  ) {
    let keep = 1 / (1 - rate)
    for i in 0..<count { mask[i] = rng.nextFloat() < rate ? 0 : keep }
  }

  /// x[r, :width] ⊙= mask[r, :width] for `rows` rows (x rows `ldx` apart, mask rows `width` apart).
  /// The same call is the backward pass when x holds the gradient.
  public static func apply(
    _ mask: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>, rows: Int, width: Int, ldx: Int
  ) {
    for r in 0..<rows {
      let m = mask + r * width, row = x + r * ldx
      var j = 0
      while j < width {
        let w = min(16, width - j)
        VectorMath.store(VectorMath.load(row + j, count: w) * VectorMath.load(m + j, count: w), row + j, count: w)
        j += 16
      }
    }
  }

  /// y[r, :width] = x[r, :width] ⊙ mask[r, :width] (x rows `ldx` apart, y and mask `width` apart).
  public static func apply(
    _ mask: UnsafePointer<Float>, from x: UnsafePointer<Float>, ldx: Int,
    to y: UnsafeMutablePointer<Float>, rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let m = mask + r * width, src = x + r * ldx, dst = y + r * width
      var j = 0
      while j < width {
        let w = min(16, width - j)
        VectorMath.store(VectorMath.load(src + j, count: w) * VectorMath.load(m + j, count: w), dst + j, count: w)
        j += 16
      }
    }
  }
}
