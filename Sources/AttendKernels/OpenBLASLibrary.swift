import COpenBLAS
import Foundation

/// OpenBLAS, opened at run time with the kernel family `KernelPlan` chose for this CPU.
public enum OpenBLASLibrary {
  /// Environment variable that forces OpenBLAS's kernel family for Attend (for example
  /// `Haswell`), passed on as `OPENBLAS_CORETYPE`. Unset: the family `KernelPlan` chooses from the
  /// CPU's features; an inherited `OPENBLAS_CORETYPE` (some shells set a slower one) is ignored.
  public static let coreTypeVariable = "ATTEND_BLAS_CORETYPE"

  /// The OpenBLAS family requested when loading, and whether the user forced it.
  public static let requestedCoreType: (name: String?, forced: Bool) = {
    if let forced = ProcessInfo.processInfo.environment[coreTypeVariable], !forced.isEmpty {
      return (forced, true)
    }
    return (KernelPlan.current.openBLASCoreType, false)
  }()

  static let loadResult: Result<Void, BLAS.LoadError> = {
    // OpenBLAS runs single-threaded; Attend splits large products over its own two threads
    // (see `BLAS.gemm`). Read by OpenBLAS when it loads, so its worker threads never start.
    setenv("OPENBLAS_NUM_THREADS", "1", 1)
    let requested = requestedCoreType.name
    var message = [CChar](repeating: 0, count: 512)
    let status: Int32 = message.withUnsafeMutableBufferPointer { buffer in
      if let requested {
        return requested.withCString { attend_openblas_load($0, buffer.baseAddress, 512) }
      }
      return attend_openblas_load(nil, buffer.baseAddress, 512)
    }
    if status != 0 {
      let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      return .failure(BLAS.LoadError(description: text))
    }
    return .success(())
  }()

  /// Opens OpenBLAS if it is not open yet.
  public static func load() throws { try loadResult.get() }

  /// The kernel family OpenBLAS runs, e.g. "Cooperlake" (AVX-512) or "Haswell" (AVX2); opens
  /// OpenBLAS first if needed ("unloaded" if it cannot be opened).
  public static var coreName: String {
    _ = loadResult
    return String(cString: attend_openblas_corename())
  }

  /// "OpenBLAS Zen kernels (chosen for AVX2 FMA), libopenblas.so.0".
  public static var summary: String {
    switch loadResult {
    case .failure(let error): return "OpenBLAS not loaded: \(error)"
    case .success:
      let (requested, forced) = requestedCoreType
      var why: String
      if forced {
        why = "forced by \(coreTypeVariable)=\(requested ?? "")"
      } else if requested != nil {
        why = "chosen for \(KernelPlan.current.featureSummary)"
      } else {
        why = "detected by OpenBLAS"
      }
      if let requested, requested.lowercased() != coreName.lowercased() {
        why += "; OpenBLAS ran \(coreName) instead of \(requested)"
      }
      return "OpenBLAS \(coreName) kernels (\(why)), \(String(cString: attend_openblas_path()))"
    }
  }

  /// Row-major sgemm on one thread. Requires a successful load.
  @inline(__always)
  static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    attend_sgemm(
      transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
      Int32(ldc))
  }
}
