import XCTest

@testable import AttendKernels

final class GemmTests: XCTestCase {
  override func setUpWithError() throws {
    // Both backends: the set-up script installs OpenBLAS and oneDNN, so neither test is skipped.
    try BLAS.load()
    try OpenBLASLibrary.load()
    try OneDNNLibrary.load()
  }

  /// Runs `body` once with each backend computing the products.
  func forEachBackend(_ body: (BLAS.Backend) throws -> Void) rethrows {
    let chosen = BLAS.backend
    defer { BLAS.backend = chosen }
    for backend in BLAS.Backend.allCases {
      BLAS.backend = backend
      try body(backend)
    }
  }

  func testProductsTooSmallToSplitRunOnOpenBLASAndMatchTheReference() {
    // Below BLAS.splitMultiplyAdds every backend hands the product to OpenBLAS in one call.
    BLAS.usesSmallRowsKernel = false
    defer { BLAS.usesSmallRowsKernel = true }
    var rng = RandomGenerator(seed: 3)
    for (m, n, k) in [(7, 5, 9), (41, 37, 53)] {
      XCTAssertLessThan(m * n * k, BLAS.splitMultiplyAdds)
      for transA in [false, true] {
        for transB in [false, true] {
          let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 3, ldc = n + 1
          let a = (0..<((transA ? k : m) * lda)).map { _ in rng.nextFloat() - 0.5 }
          let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.nextFloat() - 0.5 }
          let c0 = (0..<(m * ldc)).map { _ in rng.nextFloat() - 0.5 }
          var slow = c0, direct = c0
          OpenBLASLibrary.sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
            ldb: ldb, beta: 0.25, c: &direct, ldc: ldc)
          referenceGemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
            ldb: ldb, beta: 0.25, c: &slow, ldc: ldc)
          for i in 0..<direct.count { XCTAssertEqual(direct[i], slow[i], accuracy: 1e-5) }
          forEachBackend { backend in
            var fast = c0
            BLAS.gemm(
              transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
              ldb: ldb, beta: 0.25, c: &fast, ldc: ldc)
            XCTAssertEqual(fast, direct, "\(backend)")
          }
        }
      }
    }
  }

  func testSmallRowsKernelMatchesReferenceForEveryBlockRemainderAndLeadingDimension() {
    var rng = RandomGenerator(seed: 5)
    // Rows 1…9 cover full 4-row blocks and 1…3 leftover rows; n covers 4-column blocks and
    // leftovers; k covers pure tails, one SIMD16 chunk, and chunks plus a tail; both blockings
    // (AVX-512's and AVX2's) run whatever this machine is.
    for m in 1...9 {
      for n in [1, 3, 4, 6, 9] {
        for k in [1, 7, 8, 9, 15, 16, 17, 40] {
          let lda = k + 2, ldb = k + 3, ldc = n + 1
          let a = (0..<(m * lda)).map { _ in rng.nextFloat() - 0.5 }
          let b = (0..<(n * ldb)).map { _ in rng.nextFloat() - 0.5 }
          let c0 = (0..<(m * ldc)).map { _ in rng.nextFloat() - 0.5 }
          for (beta, blocking): (Float, SmallRowsGemm.Blocking) in [(0, .wide), (0.25, .wide), (0, .narrow), (0.25, .narrow)] {
            // beta 0 must overwrite C without reading it: start from NaN.
            var fast = beta == 0 ? [Float](repeating: .nan, count: c0.count) : c0
            var slow = c0
            SmallRowsGemm.multiplyTransposed(
              m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &fast, ldc: ldc,
              blocking: blocking)
            referenceGemm(
              transA: false, transB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
              c: &slow, ldc: ldc)
            for i in 0..<m {
              for j in 0..<n {
                XCTAssertEqual(
                  fast[i * ldc + j], slow[i * ldc + j], accuracy: 1e-5, "m \(m) n \(n) k \(k) beta \(beta) \(blocking)")
              }
            }
          }
        }
      }
    }
  }

  func testGemmSendsFewRowTransposedProductsToTheSmallRowsKernel() {
    // The same product through BLAS.gemm with and without the kernel agrees, and with the
    // kernel on it is bit-identical to calling SmallRowsGemm directly.
    var rng = RandomGenerator(seed: 9)
    let (m, n, k) = (5, 37, 64)
    let a = (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 }
    let b = (0..<(n * k)).map { _ in rng.nextFloat() - 0.5 }
    var viaGemm = [Float](repeating: 0, count: m * n), direct = viaGemm, openBLAS = viaGemm
    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, beta: 0, c: &viaGemm, ldc: n)
    SmallRowsGemm.multiplyTransposed(m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0, c: &direct, ldc: n)
    BLAS.usesSmallRowsKernel = false
    defer { BLAS.usesSmallRowsKernel = true }
    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, beta: 0, c: &openBLAS, ldc: n)
    XCTAssertEqual(viaGemm, direct)
    for i in 0..<viaGemm.count { XCTAssertEqual(viaGemm[i], openBLAS[i], accuracy: 1e-5) }
  }

  func testLargeProductsSplitByColumnsMatchTheReferenceAndDoNotDependOnTheThreadCount() {
    forEachBackend { backend in
      // Above BLAS.splitMultiplyAdds: four column blocks shared by the caller and KernelThread;
      // N = 203 leaves a ragged last block; every transpose combination moves B's columns differently.
      var rng = RandomGenerator(seed: 13)
      let (m, n, k) = (40, 203, 150)
      XCTAssertGreaterThanOrEqual(m * n * k, BLAS.splitMultiplyAdds)
      defer { BLAS.threads = 2 }
      for transA in [false, true] {
        for transB in [false, true] {
          let lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3
          let a = (0..<((transA ? k : m) * lda)).map { _ in rng.nextFloat() - 0.5 }
          let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.nextFloat() - 0.5 }
          let c0 = (0..<(m * ldc)).map { _ in rng.nextFloat() - 0.5 }
          var results: [[Float]] = []
          for threads in [1, 2] {
            BLAS.threads = threads
            var c = c0
            BLAS.gemm(
              transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
              beta: 0.25, c: &c, ldc: ldc)
            results.append(c)
          }
          var slow = c0
          referenceGemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 0.25,
            c: &slow, ldc: ldc)
          XCTAssertEqual(results[0], results[1], "\(backend): 1 and 2 threads must agree bit for bit")
          for result in results {
            for i in 0..<m {
              // Padding columns past N stay untouched.
              for j in 0..<ldc {
                XCTAssertEqual(result[i * ldc + j], slow[i * ldc + j], accuracy: 1e-4, "\(backend) tA \(transA) tB \(transB) [\(i), \(j)]")
              }
            }
          }
        }
      }
    }
  }

  func testSummaryNamesTheBackendInUseAndOpenBLASItsFamily() {
    XCTAssertNotEqual(OpenBLASLibrary.coreName, "unloaded")
    forEachBackend { backend in
      XCTAssertTrue(BLAS.summary.hasPrefix(backend == .oneDNN ? "oneDNN 2." : "OpenBLAS \(OpenBLASLibrary.coreName)"), BLAS.summary)
    }
  }
}
