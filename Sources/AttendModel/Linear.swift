import AttendKernels

/// A fully connected layer y = x W^T + b over row-major [N, in] inputs. W: [out, in], b: [out].
public struct Linear {
  public let weight: ParameterID
  public let bias: ParameterID?
  public let inputSize: Int
  public let outputSize: Int

  public init(_ store: ParameterStore, _ name: String, input: Int, output: Int, bias: Bool = true) {
    weight = store.declare("\(name).weight", [output, input])
    self.bias = bias ? store.declare("\(name).bias", [output]) : nil
    inputSize = input
    outputSize = output
  }

  /// A layer whose weight is another layer's [output, input] tensor (tied embeddings). Both
  /// backward passes add into the one gradient, so sharing needs nothing else.
  public init(_ store: ParameterStore, _ name: String, sharing weight: ParameterID, bias: Bool = true) {
    let shape = store[weight].shape
    precondition(shape.count == 2, "a shared Linear weight is a matrix")
    self.weight = weight
    self.bias = bias ? store.declare("\(name).bias", [shape[0]]) : nil
    inputSize = shape[1]
    outputSize = shape[0]
  }

  /// y[N, out] = x[N, in] W^T + b. Leading dimensions allow reading and writing column slices.
  public func forward(
    _ store: ParameterStore, rows n: Int, x: UnsafePointer<Float>, ldx: Int,
    y: UnsafeMutablePointer<Float>, ldy: Int
  ) {
    if let bias {
      let b = store.value(bias)
      for r in 0..<n { (y + r * ldy).update(from: b, count: outputSize) }
    }
    BLAS.gemm(
      transB: true, m: n, n: outputSize, k: inputSize, a: x, lda: ldx, b: store.value(weight),
      ldb: inputSize, beta: bias == nil ? 0 : 1, c: y, ldc: ldy)
  }

  /// Accumulates dW += dy^T x and db += Σ_rows dy; writes dx = dy W.
  public func backward(
    _ store: ParameterStore, rows n: Int, x: UnsafePointer<Float>, ldx: Int,
    dy: UnsafePointer<Float>, ldy: Int, dx: UnsafeMutablePointer<Float>?, lddx: Int
  ) {
    BLAS.gemm(
      transA: true, m: outputSize, n: inputSize, k: n, a: dy, lda: ldy, b: x, ldb: ldx, beta: 1,
      c: store.gradient(weight), ldc: inputSize)
    if let bias { addColumnSums(dy, rows: n, columns: outputSize, ld: ldy, into: store.gradient(bias)) }
    if let dx {
      BLAS.gemm(
        m: n, n: inputSize, k: outputSize, a: dy, lda: ldy, b: store.value(weight),
        ldb: inputSize, beta: 0, c: dx, ldc: lddx)
    }
  }
}

/// out[c] += Σ_r m[r, c] for a row-major [rows, columns] matrix with leading dimension ld.
@inline(__always)
public func addColumnSums(
  _ m: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int, into out: UnsafeMutablePointer<Float>
) {
  for r in 0..<rows { VectorMath.axpy(1, m + r * ld, out, count: columns) }
}
