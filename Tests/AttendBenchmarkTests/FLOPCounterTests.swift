import AttendKernels
import XCTest

@testable import AttendBenchmark

/// The benchmark's FLOP count comes from the products actually issued, and only while it counts.
final class FLOPCounterTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  private func product(m: Int, n: Int, k: Int) {
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, beta: 0, c: c.pointer, ldc: n)
  }

  func testCountsTwoMNKPerProductInsideAndNothingOutside() {
    let counter = FLOPCounter()
    product(m: 3, n: 5, k: 7)
    counter.counting {
      product(m: 2, n: 3, k: 4)  // a few rows: the small-rows kernel
      product(m: 64, n: 80, k: 32)  // OpenBLAS
    }
    product(m: 3, n: 5, k: 7)
    XCTAssertEqual(counter.flops, 2 * (2 * 3 * 4 + 64 * 80 * 32))
    XCTAssertNil(BLAS.productObserver, "the observer is removed after counting")
  }
}
