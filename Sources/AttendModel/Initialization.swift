import AttendKernels

/// Weight initialisation. Matrices get Glorot/Xavier uniform bounds computed per block (a GRU's
/// [3H, in] weight is three H×in blocks), embeddings U(-0.1, 0.1), biases zero.
public enum Initialization {
  /// Fills `count` floats with U(-bound, bound).
  public static func uniform(
    _ p: UnsafeMutablePointer<Float>, count: Int, bound: Float, rng: inout RandomGenerator
  ) {
    for i in 0..<count { p[i] = (rng.nextFloat() * 2 - 1) * bound }
  }

  /// Glorot uniform for a weight of `blocks` stacked [rows/blocks, columns] matrices.
  public static func xavier(
    _ p: UnsafeMutablePointer<Float>, rows: Int, columns: Int, blocks: Int = 1,
    rng: inout RandomGenerator
  ) {
    let fanOut = rows / blocks
    let bound = Float((6.0 / Double(fanOut + columns)).squareRoot())
    uniform(p, count: rows * columns, bound: bound, rng: &rng)
  }
}
