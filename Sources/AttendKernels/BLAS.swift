import Foundation

/// Matrix products: the one place Attend multiplies matrices.
///
/// All matrices are row-major. `gemm` computes `C = alpha * op(A) * op(B) + beta * C` where
/// op(A) is M×K, op(B) is K×N and C is M×N. Products of a few rows against a transposed weight
/// matrix (a decoder step) run on Attend's own `SmallRowsGemm`; every other product on one
/// single-threaded library sgemm, `backend`, split by columns over Attend's two threads.
public enum BLAS {
  public struct LoadError: Error, CustomStringConvertible {
    public let description: String
  }

  /// The library that computes products outside the small-rows kernel.
  public enum Backend: String, CaseIterable, Sendable {
    /// oneDNN's JIT sgemm: faster single-threaded than OpenBLAS at every shape a training step
    /// issues, on AMD Zen 3 and on Intel Xeon alike (BENCHMARKS.md, "Matrix-product backends").
    case oneDNN = "onednn"
    /// OpenBLAS with the kernel family chosen for the CPU's features.
    case openBLAS = "openblas"
  }

  /// Environment variable that forces the backend: `onednn` or `openblas`.
  public static let backendVariable = "ATTEND_GEMM"

  /// The backend chosen at start-up: `ATTEND_GEMM` if set, otherwise oneDNN where it is installed
  /// and OpenBLAS where it is not. A build whose own kernels need an ISA this CPU lacks fails here.
  static let chosen: Result<(backend: Backend, forced: Bool), LoadError> = {
    if let mismatch = KernelPlan.buildMismatch(on: .current) {
      return .failure(LoadError(description: mismatch))
    }
    if let name = ProcessInfo.processInfo.environment[backendVariable], !name.isEmpty {
      guard let forced = Backend(rawValue: name.lowercased()) else {
        let choices = Backend.allCases.map(\.rawValue).joined(separator: " or ")
        return .failure(LoadError(description: "\(backendVariable)=\(name): expected \(choices)"))
      }
      return .success((forced, true))
    }
    return .success((OneDNNLibrary.isAvailable ? .oneDNN : .openBLAS, false))
  }()

  /// The backend in use. Tests and the benchmark may switch it after loading both libraries.
  nonisolated(unsafe) public static var backend: Backend = (try? chosen.get().backend) ?? .openBLAS

  /// Opens the chosen backend's library. Call once at start-up to turn a missing library into a
  /// clear error instead of a failure at the first product.
  public static func load() throws {
    // OpenBLAS always: it takes the products too small to split, whatever the backend.
    try OpenBLASLibrary.load()
    if try chosen.get().backend == .oneDNN { try OneDNNLibrary.load() }
  }

  /// One line saying which kernels run and why, for logs, `attend info`, the database's
  /// `runs.blas` and benchmarks.
  public static var summary: String {
    let library: String
    switch backend {
    case .oneDNN: library = OneDNNLibrary.summary
    case .openBLAS: library = OpenBLASLibrary.summary
    }
    let forced = (try? chosen.get().forced) == true ? " (forced by \(backendVariable))" : ""
    let tiny = backend == .openBLAS ? "" : " for products of \(splitMultiplyAdds)+ multiply-adds, OpenBLAS below"
    return "\(library)\(forced)\(tiny); Attend SIMD kernels for \(KernelPlan.buildISA.rawValue) on decoder steps "
      + "of up to \(SmallRowsGemm.maxRows) rows; \(threads) thread(s)"
  }

  /// Threads for the numeric kernels: 1, or 2 to use a second core (the caller and
  /// `KernelThread`; larger values act as 2). The libraries always run on one thread: OpenBLAS's own
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
  /// into four single-threaded sgemm calls through `backend` that the caller and `KernelThread`
  /// share; smaller ones (that miss the small-rows kernel) run on OpenBLAS in one call.
  public static let splitMultiplyAdds = 1 << 20

  /// Floating-point operations (2·M·N·K per product) issued through `gemm` since the last reset.
  /// The benchmark reads it to report achieved GFLOP/s for any model variant; counting costs one
  /// addition per product. Not synchronised: read it only while one thread issues products.
  nonisolated(unsafe) public static var countedFLOPs: Double = 0

  /// Whether products of a few rows with a transposed weight matrix (a decoder step of one
  /// sentence or one beam) run on `SmallRowsGemm` instead of the backend. On by default; the
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
    countedFLOPs += 2 * Double(m) * Double(n) * Double(k)
    if !transA && transB && m <= SmallRowsGemm.maxRows && usesSmallRowsKernel {
      SmallRowsGemm.multiplyTransposed(
        m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
      return
    }
    if m * n * k >= splitMultiplyAdds && n >= 64 {
      // Four column blocks (multiples of 16 wide). Each is an ordinary sgemm over the whole of K,
      // and the blocks depend only on N, so the result depends neither on which thread ran which
      // nor on the thread count (one thread runs the same blocks in turn).
      var job = ColumnBlocks(
        backend: backend, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
        ldb: ldb, beta: beta, c: c, ldc: ldc, width: ((n + 3) / 4 + 15) & ~15)
      let blocks = (n + job.width - 1) / job.width
      if threads < 2 {
        for block in 0..<blocks { job.run(block: block) }
        return
      }
      withUnsafePointer(to: &job) { pointer in
        KernelThread.shared.run(chunks: blocks, argument: UnsafeRawPointer(pointer)) { argument, index in
          argument.load(as: ColumnBlocks.self).run(block: index)
        }
      }
      return
    }
    // Too small to split: OpenBLAS whatever the backend. oneDNN generates its code on its first
    // call (~18 ms), which would double the start-up of translating one sentence, whose products
    // are all this small and take microseconds.
    OpenBLASLibrary.sgemm(
      transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
      c: c, ldc: ldc)
  }

  /// One product on one thread through `backend`'s library (opened on first use).
  @inline(__always)
  static func sgemm(
    _ backend: Backend, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>,
    lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    switch backend {
    case .oneDNN:
      if case .failure(let error) = OneDNNLibrary.loadResult { fatalError("\(error)") }
      OneDNNLibrary.sgemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
        c: c, ldc: ldc)
    case .openBLAS:
      if case .failure(let error) = OpenBLASLibrary.loadResult { fatalError("\(error)") }
      OpenBLASLibrary.sgemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
        c: c, ldc: ldc)
    }
  }

  /// A product cut into column blocks: C[:, block] = alpha · op(A) · op(B)[:, block] + beta · C[:, block].
  struct ColumnBlocks {
    var backend: Backend
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
      BLAS.sgemm(
        backend, transA: transA, transB: transB, m: m, n: count, k: k, alpha: alpha, a: a, lda: lda, b: columns,
        ldb: ldb, beta: beta, c: c + first, ldc: ldc)
    }
  }
}
