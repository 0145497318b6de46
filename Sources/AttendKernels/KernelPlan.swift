import CCPUID

/// Which kernels run on a processor, chosen from the features it reports and never from a table
/// of CPU models: a model table goes stale with each new CPU (Debian's OpenBLAS 0.3.21 does not
/// know Intel's family 6 model 207 and runs its SSE3 "Prescott" kernels there, 3–8× slower than
/// its AVX-512 ones), while the feature bits say what every future CPU can run.
public struct KernelPlan: Equatable, Sendable {
  /// The widest vector instruction set the plan uses.
  public enum VectorISA: String, Sendable {
    case avx512 = "AVX-512"
    case avx2 = "AVX2+FMA"
    case avx = "AVX"
    case sse = "SSE"
    case neon = "NEON"
    case scalar = "scalar"
  }

  public var isa: VectorISA
  /// The OpenBLAS kernel family to request (its `OPENBLAS_CORETYPE`); nil lets OpenBLAS detect
  /// the CPU itself, which is only left to it where no AVX path exists or on arm64.
  public var openBLASCoreType: String?
  /// The CPU features the choice rests on, for logs.
  public var featuresUsed: [CPUFeature]

  public init(isa: VectorISA, openBLASCoreType: String?, featuresUsed: [CPUFeature]) {
    (self.isa, self.openBLASCoreType, self.featuresUsed) = (isa, openBLASCoreType, featuresUsed)
  }

  /// The plan for a processor:
  /// - AVX-512 F, BW, DQ and VL usable: OpenBLAS `Cooperlake` when the CPU also has AVX-512 BF16
  ///   (Cooper Lake, Sapphire/Emerald Rapids, Zen 4/5), `SkylakeX` otherwise.
  /// - AVX2 and FMA usable: OpenBLAS `Zen` on AMD and Hygon, `Haswell` on every other vendor (the
  ///   same AVX2 micro-kernels; Zen's blocking suits AMD's caches).
  /// - AVX only: `Sandybridge`. Anything less, and arm64: OpenBLAS's own detection.
  public static func choose(for cpu: CPUDescription) -> KernelPlan {
    let f = cpu.features
    switch cpu.architecture {
    case .arm64:
      return KernelPlan(isa: .neon, openBLASCoreType: nil, featuresUsed: [.neon])
    case .other:
      return KernelPlan(isa: .scalar, openBLASCoreType: nil, featuresUsed: [])
    case .x86_64:
      let avx512: [CPUFeature] = [.avx512f, .avx512bw, .avx512dq, .avx512vl]
      if avx512.allSatisfy(f.contains) {
        let bf16 = f.contains(.avx512bf16)
        return KernelPlan(
          isa: .avx512, openBLASCoreType: bf16 ? "Cooperlake" : "SkylakeX",
          featuresUsed: bf16 ? avx512 + [.avx512bf16] : avx512)
      }
      if f.contains(.avx2) && f.contains(.fma) {
        let amd = cpu.vendor == "AuthenticAMD" || cpu.vendor == "HygonGenuine"
        return KernelPlan(isa: .avx2, openBLASCoreType: amd ? "Zen" : "Haswell", featuresUsed: [.avx2, .fma])
      }
      if f.contains(.avx) {
        return KernelPlan(isa: .avx, openBLASCoreType: "Sandybridge", featuresUsed: [.avx])
      }
      return KernelPlan(isa: .sse, openBLASCoreType: nil, featuresUsed: f.contains(.sse3) ? [.sse3] : [])
    }
  }

  /// The plan for the processor this process runs on.
  public static let current = choose(for: .current)

  /// The running CPU and the features the plan uses, for logs and `runs.cpu`:
  /// "AuthenticAMD family 25 model 1 (AMD EPYC 7B13 64-Core Processor), using AVX2 FMA".
  public static var cpuSummary: String {
    "\(CPUDescription.current.summary), using \(current.featureSummary)"
  }

  /// "AVX2 FMA": the features the choice rests on.
  public var featureSummary: String {
    featuresUsed.isEmpty ? "no vector features" : featuresUsed.map(\.rawValue).joined(separator: " ")
  }

  /// The vector ISA Attend's own SIMD kernels were compiled for (`-march=native` at build time).
  public static var buildISA: VectorISA {
    switch attend_build_vector_bits() {
    case 512: return .avx512
    case 256: return .avx2
    case 128: return attend_is_arm64() == 1 ? .neon : .sse
    default: return .scalar
    }
  }

  /// Nil when this build's own kernels can run on `cpu`; otherwise a message saying to rebuild.
  /// A binary built with `-march=native` on an AVX-512 machine dies with SIGILL on an AVX2 one.
  public static func buildMismatch(on cpu: CPUDescription, buildISA: VectorISA = buildISA) -> String? {
    let needs: [CPUFeature]
    switch buildISA {
    case .avx512: needs = [.avx512f]
    case .avx2: needs = [.avx2, .fma]
    default: needs = []
    }
    let missing = needs.filter { !cpu.features.contains($0) }
    guard !missing.isEmpty else { return nil }
    return "this build of Attend was compiled for \(buildISA.rawValue), but this CPU (\(cpu.summary)) lacks "
      + "\(missing.map(\.rawValue).joined(separator: ", ")); rebuild it on this machine: swift build -c release"
  }
}
