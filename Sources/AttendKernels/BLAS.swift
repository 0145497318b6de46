import COpenBLAS
import Foundation

/// Matrix products through OpenBLAS, the one place Attend calls a BLAS.
///
/// All matrices are row-major. `gemm` computes `C = alpha * op(A) * op(B) + beta * C` where
/// op(A) is M×K, op(B) is K×N and C is M×N.
public enum BLAS {
  public struct LoadError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Environment variable that picks OpenBLAS's kernel family for Attend. Unset: OpenBLAS detects
  /// the CPU, and an inherited `OPENBLAS_CORETYPE` (which some shells set to a slower family) is
  /// ignored. Set (for example to `Haswell`): passed on to OpenBLAS as `OPENBLAS_CORETYPE`.
  public static let coreTypeVariable = "ATTEND_BLAS_CORETYPE"

  private static let loadResult: Result<Void, LoadError> = {
    // OpenBLAS runs single-threaded; Attend splits large products over its own two threads
    // (see `gemm`). Read by OpenBLAS when it loads, so its worker threads never start.
    setenv("OPENBLAS_NUM_THREADS", "1", 1)
    let requested = ProcessInfo.processInfo.environment[coreTypeVariable]
    var message = [CChar](repeating: 0, count: 512)
    let status: Int32 = message.withUnsafeMutableBufferPointer { buffer in
      if let requested {
        return requested.withCString { attend_openblas_load($0, buffer.baseAddress, 512) }
      }
      return attend_openblas_load(nil, buffer.baseAddress, 512)
    }
    if status != 0 {
      let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      return .failure(LoadError(description: text))
    }
    return .success(())
  }()

  /// Opens OpenBLAS if it is not open yet. Call once at start-up to turn a missing library into
  /// a clear error instead of a failure at the first product.
  public static func load() throws {
    try loadResult.get()
  }

  /// The kernel family OpenBLAS runs, e.g. "Cooperlake" (AVX-512) or "Haswell" (AVX2).
  public static var coreName: String {
    String(cString: attend_openblas_corename())
  }

  /// One line saying which BLAS path runs, for logs and benchmarks.
  public static var summary: String {
    switch loadResult {
    case .failure(let error): return "OpenBLAS not loaded: \(error)"
    case .success:
      let path = String(cString: attend_openblas_path())
      return "OpenBLAS \(coreName) kernels, \(threads) thread(s), \(path)"
    }
  }

  /// Threads for the numeric kernels: 1, or 2 to use a second core (the caller and
  /// `KernelThread`; larger values act as 2). OpenBLAS itself always runs on one thread: its own
  /// threading stalls for a whole scheduler time slice per product whenever the other core is
  /// busy (training ran 30–100× slower with two other processes running; BENCHMARKS.md, "On a
  /// busy machine"), while `KernelThread`'s callers take every chunk it has not claimed.
  public static var threads: Int {
    get { configuredThreads }
    set {
      precondition(newValue >= 1, "threads must be at least 1")
      configuredThreads = newValue
    }
  }

  nonisolated(unsafe) private static var configuredThreads = ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1

  /// Products of at least this many multiply-adds (and 64 or more columns) are split by columns
  /// into four single-threaded sgemm calls that the caller and `KernelThread` share.
  public static let splitMultiplyAdds = 1 << 20

  /// Called with (M, N, K) before each product `gemm` issues, when set; nil (the default) costs one
  /// test per product. An opt-in seam for measuring (the benchmark's `FLOPCounter` counts
  /// 2·M·N·K per call), not for changing results. Not synchronised: set it only while one thread
  /// issues products.
  nonisolated(unsafe) public static var productObserver: ((_ m: Int, _ n: Int, _ k: Int) -> Void)?

  /// Whether products of a few rows with a transposed weight matrix (a decoder step of one
  /// sentence or one beam) run on `SmallRowsGemm` instead of OpenBLAS. On by default; the
  /// benchmark turns it off to measure both.
  nonisolated(unsafe) public static var usesSmallRowsKernel = true

  /// Row-major `C = alpha * op(A) * op(B) + beta * C`; op(A): M×K, op(B): K×N, C: M×N.
  @inline(__always)
  public static func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if m == 0 || n == 0 { return }
    productObserver?(m, n, k)
    if !transA && transB && m <= SmallRowsGemm.maxRows && usesSmallRowsKernel {
      SmallRowsGemm.multiplyTransposed(
        m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
      return
    }
    if case .failure(let error) = loadResult { fatalError("\(error)") }
    if threads >= 2 && m * n * k >= splitMultiplyAdds && n >= 64 {
      // Four column blocks (multiples of 16 wide). Each is an ordinary sgemm over the whole of K,
      // and the blocks depend only on N, so the result does not depend on which thread ran which.
      var job = ColumnBlocks(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
        c: c, ldc: ldc, width: ((n + 3) / 4 + 15) & ~15)
      let blocks = (n + job.width - 1) / job.width
      withUnsafePointer(to: &job) { pointer in
        KernelThread.shared.run(chunks: blocks, argument: UnsafeRawPointer(pointer)) { argument, index in
          argument.load(as: ColumnBlocks.self).run(block: index)
        }
      }
      return
    }
    attend_sgemm(
      transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
      Int32(ldb), beta, c, Int32(ldc))
  }

  /// A product cut into column blocks: C[:, block] = alpha · op(A) · op(B)[:, block] + beta · C[:, block].
  struct ColumnBlocks {
    var transA: Bool, transB: Bool
    var m: Int, n: Int, k: Int, alpha: Float
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int
    var beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    var width: Int

    func run(block: Int) {
      let first = block * width, count = min(n, first + width) - first
      // op(B)'s columns are B's rows when B is transposed.
      let columns = transB ? b + first * ldb : b + first
      attend_sgemm(
        transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(count), Int32(k), alpha, a, Int32(lda), columns, Int32(ldb),
        beta, c + first, Int32(ldc))
    }
  }
}
