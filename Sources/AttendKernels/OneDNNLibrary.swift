import COneDNN

/// oneDNN's sgemm, opened at run time when the library is installed (Debian: libdnnl-dev).
/// Its JIT code is generated for the running CPU's ISA, chosen by oneDNN from CPUID features.
public enum OneDNNLibrary {
  static let loadResult: Result<Void, BLAS.LoadError> = {
    var message = [CChar](repeating: 0, count: 512)
    let status = message.withUnsafeMutableBufferPointer { attend_onednn_load($0.baseAddress, 512) }
    if status != 0 {
      return .failure(BLAS.LoadError(description: message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }))
    }
    return .success(())
  }()

  /// Opens oneDNN if it is not open yet.
  public static func load() throws { try loadResult.get() }

  /// Whether oneDNN can be opened here.
  public static var isAvailable: Bool {
    if case .success = loadResult { return true }
    return false
  }

  /// "oneDNN 2.6.3 sgemm, libdnnl.so.2".
  public static var summary: String {
    switch loadResult {
    case .failure(let error): return "oneDNN not loaded: \(error)"
    case .success:
      return "oneDNN \(String(cString: attend_onednn_version())) sgemm, \(String(cString: attend_onednn_path()))"
    }
  }

  /// Row-major sgemm on one thread. Requires a successful load.
  @inline(__always)
  static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let status = attend_onednn_sgemm(
      transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
      Int32(ldc))
    precondition(status == 0, "dnnl_sgemm failed with status \(status) for \(m)×\(n)×\(k)")
  }
}
