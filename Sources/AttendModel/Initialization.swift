import AttendKernels

/// Weight initialisation schemes (`InitScheme`). Bounds and orthogonality are per block: a GRU's
/// [3H, in] weight is three H×in gate blocks. Embeddings are U(-init_range, init_range), biases zero.
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

  /// A random (semi-)orthogonal matrix per block, as torch.nn.init.orthogonal_ makes it: a
  /// standard normal matrix, orthonormalised (Gram–Schmidt on its shorter side, in Double), with
  /// the QR sign convention (each vector keeps the sign of its projection on the normal draw).
  /// Recurrent matrices start with all singular values 1, so early gradients neither explode nor
  /// vanish through time (Saxe et al. 2014).
  public static func orthogonal(
    _ p: UnsafeMutablePointer<Float>, rows: Int, columns: Int, blocks: Int = 1,
    rng: inout RandomGenerator
  ) {
    let r = rows / blocks
    // Orthonormalise the shorter side: vectors of length `long`, `short` of them.
    let (short, long) = r <= columns ? (r, columns) : (columns, r)
    var vectors = [[Double]](repeating: [Double](repeating: 0, count: long), count: short)
    for block in 0..<blocks {
      for i in 0..<short {
        for k in 0..<long { vectors[i][k] = Double(rng.nextNormal()) }
      }
      for i in 0..<short {
        for j in 0..<i {
          let projection = zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 }
          for k in 0..<long { vectors[i][k] -= projection * vectors[j][k] }
        }
        let norm = vectors[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
        for k in 0..<long { vectors[i][k] /= max(norm, 1e-12) }
      }
      let base = p + block * r * columns
      for i in 0..<r {
        for j in 0..<columns {
          base[i * columns + j] = Float(r <= columns ? vectors[i][j] : vectors[j][i])
        }
      }
    }
  }

  /// Fills a weight of `blocks` stacked [rows/blocks, columns] matrices with `scheme`.
  public static func fill(
    _ p: UnsafeMutablePointer<Float>, rows: Int, columns: Int, blocks: Int = 1, scheme: InitScheme,
    range: Float, rng: inout RandomGenerator
  ) {
    switch scheme {
    case .uniform: uniform(p, count: rows * columns, bound: range, rng: &rng)
    case .xavier: xavier(p, rows: rows, columns: columns, blocks: blocks, rng: &rng)
    case .orthogonal: orthogonal(p, rows: rows, columns: columns, blocks: blocks, rng: &rng)
    }
  }
}
