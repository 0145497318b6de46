/// `C = alpha · A · Bᵀ + beta · C` for a few rows of A, the product of a decoder step with
/// one sentence or one beam (M = 1…8 rows against a weight matrix B stored [N, K]).
///
/// Why not OpenBLAS here: sgemm packs B into its panel layout on every call. With M = 5 rows the
/// packing moves as many bytes as the product itself reads, and the call wakes a worker thread
/// for 20 µs of work; in beam search that was over half the time (BENCHMARKS.md, "Decoding").
/// This kernel reads B once, in place, four rows of B at a time: each row of B is loaded once per
/// block of four A rows and multiplied with SIMD accumulators along K (dot-product form), and
/// the partial sums of a 4 × 4 block are reduced together at the end.
///
/// Register blocking follows the vector ISA the build targets. With AVX-512's 32 registers a
/// 4 × 4 block keeps 16 SIMD16 accumulators in registers. AVX2 has 16 registers of half the
/// width: there the same block spilled (16 SIMD16 accumulators are 32 YMM registers), so an AVX2
/// build computes it as two 4 × 2 blocks of SIMD8 accumulators (8 accumulators, 2 B vectors, 1 A
/// vector: 11 registers), B still read once per four rows of A.
public enum SmallRowsGemm {
  /// How a 4 × 4 block is held in registers.
  public enum Blocking: Sendable {
    /// 16 SIMD16 accumulators (32 vector registers: AVX-512).
    case wide
    /// Two 4 × 2 halves with 8 SIMD8 accumulators each (16 vector registers: AVX2, NEON).
    case narrow
  }

  /// The blocking for the ISA this build was compiled for.
  public static let blocking: Blocking = KernelPlan.buildISA == .avx512 ? .wide : .narrow

  /// Products with at most this many rows of A take this kernel (measured crossover: BENCHMARKS.md).
  public static let maxRows = 16

  /// Products of at least this many multiply-adds are split across two threads by columns (when
  /// BLAS runs on two or more): below it the hand-off costs more than it saves.
  public static let parallelMultiplyAdds = 150_000

  public static func multiplyTransposed(
    m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
    blocking: Blocking = blocking
  ) {
    var job = Job(
      m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, columns: 0..<n,
      blocking: blocking)
    guard m * n * k >= parallelMultiplyAdds && n >= 64 && BLAS.threads >= 2 else {
      job.run()
      return
    }
    // Eight chunks of whole 4-column blocks: enough for one thread to take over the other's share
    // when that one is late, few enough that claiming them (a cache line passed between the
    // cores each time) stays cheap; sixteen were measured slower than one thread. Each column's
    // result is the same whichever thread computes it.
    job.chunkWidth = max(32, (n / 8 + 3) & ~3)
    let chunks = (n + job.chunkWidth - 1) / job.chunkWidth
    withUnsafePointer(to: &job) { pointer in
      KernelThread.shared.run(chunks: chunks, argument: UnsafeRawPointer(pointer)) { argument, index in
        argument.load(as: Job.self).run(chunk: index)
      }
    }
  }

  /// One product, or the columns of it one thread computes.
  struct Job {
    var m: Int, k: Int, alpha: Float
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int
    var beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    var columns: Range<Int>
    var blocking: Blocking
    var chunkWidth = 0

    func run(chunk: Int) {
      var part = self
      part.columns = (chunk * chunkWidth)..<min(columns.upperBound, (chunk + 1) * chunkWidth)
      part.run()
    }

    /// C's columns `columns`, four at a time, then the leftover columns one by one.
    func run() {
      var j = columns.lowerBound
      while j + 4 <= columns.upperBound {
        var i = 0
        while i + 4 <= m {
          let (rows, weights, out) = (a + i * lda, b + j * ldb, c + i * ldc + j)
          switch blocking {
          case .wide:
            block4x4(k: k, alpha: alpha, a: rows, lda: lda, b: weights, ldb: ldb, beta: beta, c: out, ldc: ldc)
          case .narrow:
            block4x2(k: k, alpha: alpha, a: rows, lda: lda, b: weights, ldb: ldb, beta: beta, c: out, ldc: ldc)
            block4x2(
              k: k, alpha: alpha, a: rows, lda: lda, b: weights + 2 * ldb, ldb: ldb, beta: beta, c: out + 2, ldc: ldc)
          }
          i += 4
        }
        while i < m {
          block1x4(k: k, alpha: alpha, a: a + i * lda, b: b + j * ldb, ldb: ldb, beta: beta, c: c + i * ldc + j)
          i += 1
        }
        j += 4
      }
      while j < columns.upperBound {
        for i in 0..<m {
          let y = alpha * VectorMath.dot(a + i * lda, b + j * ldb, count: k)
          let out = c + i * ldc + j
          out.pointee = beta == 0 ? y : y + beta * out.pointee
        }
        j += 1
      }
    }
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
  }

  /// The four sums of four accumulators: [Σa, Σb, Σc, Σd].
  @inline(__always)
  static func sums(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>) -> SIMD4<Float> {
    let ab = SIMD16(lowHalf: a.lowHalf + a.highHalf, highHalf: b.lowHalf + b.highHalf)
    let cd = SIMD16(lowHalf: c.lowHalf + c.highHalf, highHalf: d.lowHalf + d.highHalf)
    // Lanes 0–3 a, 4–7 b, 8–11 c, 12–15 d after pairing the 4-lane quarters.
    let quarters =
      SIMD16(
        lowHalf: SIMD8(lowHalf: ab.lowHalf.lowHalf, highHalf: ab.highHalf.lowHalf),
        highHalf: SIMD8(lowHalf: cd.lowHalf.lowHalf, highHalf: cd.highHalf.lowHalf))
      + SIMD16(
        lowHalf: SIMD8(lowHalf: ab.lowHalf.highHalf, highHalf: ab.highHalf.highHalf),
        highHalf: SIMD8(lowHalf: cd.lowHalf.highHalf, highHalf: cd.highHalf.highHalf))
    let pairs = quarters.evenHalf + quarters.oddHalf  // [a a b b c c d d]
    return pairs.evenHalf + pairs.oddHalf
  }

  @inline(__always)
  static func store(_ s: SIMD4<Float>, alpha: Float, beta: Float, to out: UnsafeMutablePointer<Float>) {
    if beta == 0 {
      for q in 0..<4 { out[q] = alpha * s[q] }
    } else {
      for q in 0..<4 { out[q] = alpha * s[q] + beta * out[q] }
    }
  }

  /// Rows i…i+3 of A against rows j…j+3 of B.
  @inline(__always)
  static func block4x4(
    k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
    let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c02 = SIMD16<Float>(), c03 = SIMD16<Float>()
    var c10 = SIMD16<Float>(), c11 = SIMD16<Float>(), c12 = SIMD16<Float>(), c13 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c22 = SIMD16<Float>(), c23 = SIMD16<Float>()
    var c30 = SIMD16<Float>(), c31 = SIMD16<Float>(), c32 = SIMD16<Float>(), c33 = SIMD16<Float>()
    var p = 0
    while p + 16 <= k {
      let w0 = load(b0 + p), w1 = load(b1 + p), w2 = load(b2 + p), w3 = load(b3 + p)
      var x = load(a0 + p)
      c00.addProduct(x, w0); c01.addProduct(x, w1); c02.addProduct(x, w2); c03.addProduct(x, w3)
      x = load(a1 + p)
      c10.addProduct(x, w0); c11.addProduct(x, w1); c12.addProduct(x, w2); c13.addProduct(x, w3)
      x = load(a2 + p)
      c20.addProduct(x, w0); c21.addProduct(x, w1); c22.addProduct(x, w2); c23.addProduct(x, w3)
      x = load(a3 + p)
      c30.addProduct(x, w0); c31.addProduct(x, w1); c32.addProduct(x, w2); c33.addProduct(x, w3)
      p += 16
    }
    var s0 = sums(c00, c01, c02, c03), s1 = sums(c10, c11, c12, c13)
    var s2 = sums(c20, c21, c22, c23), s3 = sums(c30, c31, c32, c33)
    while p < k {
      let w = SIMD4(b0[p], b1[p], b2[p], b3[p])
      s0 += a0[p] * w; s1 += a1[p] * w; s2 += a2[p] * w; s3 += a3[p] * w
      p += 1
    }
    store(s0, alpha: alpha, beta: beta, to: c)
    store(s1, alpha: alpha, beta: beta, to: c + ldc)
    store(s2, alpha: alpha, beta: beta, to: c + 2 * ldc)
    store(s3, alpha: alpha, beta: beta, to: c + 3 * ldc)
  }

  /// [Σa, Σb, Σc, Σd] of four SIMD8 accumulators.
  @inline(__always)
  static func sums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
    let quarters =
      SIMD16(lowHalf: SIMD8(lowHalf: a.lowHalf, highHalf: b.lowHalf), highHalf: SIMD8(lowHalf: c.lowHalf, highHalf: d.lowHalf))
      + SIMD16(
        lowHalf: SIMD8(lowHalf: a.highHalf, highHalf: b.highHalf), highHalf: SIMD8(lowHalf: c.highHalf, highHalf: d.highHalf))
    let pairs = quarters.evenHalf + quarters.oddHalf  // [a a b b c c d d]
    return pairs.evenHalf + pairs.oddHalf
  }

  @inline(__always)
  static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always)
  static func store(_ s: SIMD2<Float>, alpha: Float, beta: Float, to out: UnsafeMutablePointer<Float>) {
    if beta == 0 {
      out[0] = alpha * s[0]; out[1] = alpha * s[1]
    } else {
      out[0] = alpha * s[0] + beta * out[0]; out[1] = alpha * s[1] + beta * out[1]
    }
  }

  /// Rows i…i+3 of A against rows j, j+1 of B, in SIMD8 accumulators (the `narrow` blocking).
  @inline(__always)
  static func block4x2(
    k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
    let b0 = b, b1 = b + ldb
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var p = 0
    while p + 8 <= k {
      let w0 = load8(b0 + p), w1 = load8(b1 + p)
      var x = load8(a0 + p)
      c00.addProduct(x, w0); c01.addProduct(x, w1)
      x = load8(a1 + p)
      c10.addProduct(x, w0); c11.addProduct(x, w1)
      x = load8(a2 + p)
      c20.addProduct(x, w0); c21.addProduct(x, w1)
      x = load8(a3 + p)
      c30.addProduct(x, w0); c31.addProduct(x, w1)
      p += 8
    }
    let top = sums(c00, c01, c10, c11), bottom = sums(c20, c21, c30, c31)
    var s0 = top.lowHalf, s1 = top.highHalf, s2 = bottom.lowHalf, s3 = bottom.highHalf
    while p < k {
      let w = SIMD2(b0[p], b1[p])
      s0 += a0[p] * w; s1 += a1[p] * w; s2 += a2[p] * w; s3 += a3[p] * w
      p += 1
    }
    store(s0, alpha: alpha, beta: beta, to: c)
    store(s1, alpha: alpha, beta: beta, to: c + ldc)
    store(s2, alpha: alpha, beta: beta, to: c + 2 * ldc)
    store(s3, alpha: alpha, beta: beta, to: c + 3 * ldc)
  }

  /// One row of A against rows j…j+3 of B.
  @inline(__always)
  static func block1x4(
    k: Int, alpha: Float, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>
  ) {
    let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var p = 0
    while p + 16 <= k {
      let x = load(a + p)
      c0.addProduct(x, load(b0 + p)); c1.addProduct(x, load(b1 + p))
      c2.addProduct(x, load(b2 + p)); c3.addProduct(x, load(b3 + p))
      p += 16
    }
    var s = sums(c0, c1, c2, c3)
    while p < k {
      s += a[p] * SIMD4(b0[p], b1[p], b2[p], b3[p])
      p += 1
    }
    store(s, alpha: alpha, beta: beta, to: c)
  }
}
