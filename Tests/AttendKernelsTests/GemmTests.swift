import XCTest

@testable import AttendKernels

final class GemmTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  func testOpenBLASMatchesReferenceForEveryTransposeAndLeadingDimension() {
    var rng = RandomGenerator(seed: 3)
    let (m, n, k) = (7, 5, 9)
    for transA in [false, true] {
      for transB in [false, true] {
        let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 3, ldc = n + 1
        let a = (0..<((transA ? k : m) * lda)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.nextFloat() - 0.5 }
        let c0 = (0..<(m * ldc)).map { _ in rng.nextFloat() - 0.5 }
        var fast = c0, slow = c0
        BLAS.gemm(
          transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
          ldb: ldb, beta: 0.25, c: &fast, ldc: ldc)
        referenceGemm(
          transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
          ldb: ldb, beta: 0.25, c: &slow, ldc: ldc)
        for i in 0..<fast.count { XCTAssertEqual(fast[i], slow[i], accuracy: 1e-5) }
      }
    }
  }

  func testBLASReportsTheKernelFamilyItLoaded() {
    XCTAssertNotEqual(BLAS.coreName, "unloaded")
    XCTAssertTrue(BLAS.summary.hasPrefix("OpenBLAS"))
  }
}
