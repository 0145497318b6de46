import AttendKernels

/// Counts the floating-point operations of the matrix products issued while `counting` runs
/// (2·M·N·K per product, forward and backward alike), through `BLAS.productObserver`: any model
/// variant is counted as it actually runs, and nothing is counted outside a benchmark.
public final class FLOPCounter {
  public private(set) var flops = 0.0

  public init() {}

  /// Runs `body` with this counter observing every `BLAS.gemm` call, then removes it.
  public func counting<Result>(_ body: () throws -> Result) rethrows -> Result {
    let previous = BLAS.productObserver
    BLAS.productObserver = { [unowned self] m, n, k in self.flops += 2 * Double(m) * Double(n) * Double(k) }
    defer { BLAS.productObserver = previous }
    return try body()
  }
}
