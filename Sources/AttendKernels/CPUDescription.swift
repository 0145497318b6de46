import CCPUID
import Foundation

/// A vector-instruction feature that decides which kernels Attend runs.
public enum CPUFeature: String, CaseIterable, Comparable, Sendable {
  case sse3 = "SSE3"
  case sse42 = "SSE4.2"
  case avx = "AVX"
  case fma = "FMA"
  case avx2 = "AVX2"
  case avx512f = "AVX-512F"
  case avx512bw = "AVX-512BW"
  case avx512dq = "AVX-512DQ"
  case avx512vl = "AVX-512VL"
  case avx512vnni = "AVX-512VNNI"
  case avx512bf16 = "AVX-512BF16"
  case avx512fp16 = "AVX-512FP16"
  /// Advanced SIMD on arm64.
  case neon = "NEON"

  public static func < (a: CPUFeature, b: CPUFeature) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// The CPUID leaves a `CPUDescription` is read from: a snapshot of the registers, so a test can
/// replay a CPU it does not run on (the leaves are the same ones the running CPU answers).
public struct CPUIDSnapshot: Equatable, Sendable {
  /// (eax, ebx, ecx, edx) for a (leaf, subleaf).
  public typealias Registers = (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32)

  public var leaves: [Int: [UInt32]]  // key leaf << 8 | subleaf → [eax, ebx, ecx, edx]
  /// XCR0: which register states the OS saves (AVX-512 is unusable unless bits 5–7 are set).
  public var xcr0: UInt64

  public init(leaves: [(leaf: UInt32, subleaf: UInt32, registers: [UInt32])], xcr0: UInt64) {
    var table: [Int: [UInt32]] = [:]
    for entry in leaves {
      precondition(entry.registers.count == 4, "a CPUID leaf has four registers")
      table[Int(entry.leaf) << 8 | Int(entry.subleaf)] = entry.registers
    }
    self.leaves = table
    self.xcr0 = xcr0
  }

  /// The registers of a leaf; zeros for a leaf the CPU (or the recording) does not have.
  public func registers(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> Registers {
    let r = leaves[Int(leaf) << 8 | Int(subleaf)] ?? [0, 0, 0, 0]
    return (r[0], r[1], r[2], r[3])
  }

  /// The running processor's leaves (on x86-64; nil elsewhere).
  public static func current() -> CPUIDSnapshot? {
    var probe = attend_cpuid_registers()
    guard attend_cpuid(0, 0, &probe) == 1 else { return nil }
    var wanted: [(UInt32, UInt32)] = [(0, 0)]
    if probe.eax >= 1 { wanted.append((1, 0)) }
    if probe.eax >= 7 { wanted += [(7, 0), (7, 1)] }
    var extended = attend_cpuid_registers()
    attend_cpuid(0x8000_0000, 0, &extended)
    wanted.append((0x8000_0000, 0))
    if extended.eax >= 0x8000_0004 { wanted += [(0x8000_0002, 0), (0x8000_0003, 0), (0x8000_0004, 0)] }
    let leaves = wanted.map { leaf, subleaf -> (leaf: UInt32, subleaf: UInt32, registers: [UInt32]) in
      var r = attend_cpuid_registers()
      attend_cpuid(leaf, subleaf, &r)
      return (leaf, subleaf, [r.eax, r.ebx, r.ecx, r.edx])
    }
    return CPUIDSnapshot(leaves: leaves, xcr0: attend_xgetbv0())
  }
}

/// What the processor is and which vector features it and the operating system support.
public struct CPUDescription: Equatable, Sendable {
  public enum Architecture: String, Sendable { case x86_64 = "x86-64", arm64, other }

  public var architecture: Architecture
  /// "GenuineIntel", "AuthenticAMD", ... ("" where CPUID does not exist).
  public var vendor: String
  /// Display family and model, as Linux's /proc/cpuinfo and `lscpu` print them.
  public var family: Int
  public var model: Int
  /// The brand string, e.g. "AMD EPYC 9B45" ("" if the CPU has none).
  public var brand: String
  /// Features that are usable: present in CPUID and, for AVX and AVX-512, enabled by the OS.
  public var features: Set<CPUFeature>

  public init(
    architecture: Architecture, vendor: String, family: Int, model: Int, brand: String, features: Set<CPUFeature>
  ) {
    (self.architecture, self.vendor, self.family, self.model) = (architecture, vendor, family, model)
    (self.brand, self.features) = (brand, features)
  }

  /// The processor this process runs on.
  public static let current: CPUDescription = {
    if let snapshot = CPUIDSnapshot.current() { return CPUDescription(x86: snapshot) }
    if attend_is_arm64() == 1 {
      return CPUDescription(architecture: .arm64, vendor: "", family: 0, model: 0, brand: "", features: [.neon])
    }
    return CPUDescription(architecture: .other, vendor: "", family: 0, model: 0, brand: "", features: [])
  }()

  /// Decodes an x86-64 processor from its CPUID leaves (Intel SDM vol. 2A, CPUID; AMD APM vol. 3).
  public init(x86 cpuid: CPUIDSnapshot) {
    let leaf0 = cpuid.registers(0)
    vendor = Self.text(leaf0.ebx, leaf0.edx, leaf0.ecx)
    let leaf1 = cpuid.registers(1)
    let baseFamily = Int(leaf1.eax >> 8 & 0xF), baseModel = Int(leaf1.eax >> 4 & 0xF)
    family = baseFamily == 0xF ? baseFamily + Int(leaf1.eax >> 20 & 0xFF) : baseFamily
    model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel | Int(leaf1.eax >> 16 & 0xF) << 4 : baseModel
    var brand = ""
    if cpuid.registers(0x8000_0000).eax >= 0x8000_0004 {
      brand = (0x8000_0002...0x8000_0004).map { leaf in
        let r = cpuid.registers(UInt32(leaf))
        return Self.text(r.eax, r.ebx, r.ecx, r.edx)
      }.joined()
    }
    self.brand = brand.trimmingCharacters(in: .whitespaces)
    architecture = .x86_64

    // AVX state (XMM and YMM, XCR0 bits 1–2) and AVX-512 state (opmask, ZMM0–15 upper halves,
    // ZMM16–31: bits 5–7) must be saved by the OS, or the instructions fault despite CPUID.
    let osSavesAVX = leaf1.ecx & 1 << 27 != 0 && cpuid.xcr0 & 0x6 == 0x6
    let osSavesAVX512 = osSavesAVX && cpuid.xcr0 & 0xE0 == 0xE0
    let leaf7 = cpuid.registers(7, 0), leaf7s1 = cpuid.registers(7, 1)
    let hasLeaf7 = leaf0.eax >= 7
    var features: Set<CPUFeature> = []
    func add(_ feature: CPUFeature, _ present: Bool) { if present { features.insert(feature) } }
    add(.sse3, leaf1.ecx & 1 << 0 != 0)
    add(.sse42, leaf1.ecx & 1 << 20 != 0)
    add(.avx, osSavesAVX && leaf1.ecx & 1 << 28 != 0)
    add(.fma, osSavesAVX && leaf1.ecx & 1 << 12 != 0)
    add(.avx2, osSavesAVX && hasLeaf7 && leaf7.ebx & 1 << 5 != 0)
    if osSavesAVX512 && hasLeaf7 {
      add(.avx512f, leaf7.ebx & 1 << 16 != 0)
      add(.avx512dq, leaf7.ebx & 1 << 17 != 0)
      add(.avx512bw, leaf7.ebx & 1 << 30 != 0)
      add(.avx512vl, leaf7.ebx & 1 << 31 != 0)
      add(.avx512vnni, leaf7.ecx & 1 << 11 != 0)
      add(.avx512fp16, leaf7.edx & 1 << 23 != 0)
      add(.avx512bf16, leaf7s1.eax & 1 << 5 != 0)
    }
    self.features = features
  }

  /// Four registers' bytes as ASCII, least significant byte first (how CPUID packs its strings).
  private static func text(_ registers: UInt32...) -> String {
    let bytes = registers.flatMap { r in (0..<4).map { UInt8(truncatingIfNeeded: r >> (8 * $0)) } }
    return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// One line for logs: "AuthenticAMD family 25 model 1 (AMD EPYC 7B13), AVX2 FMA".
  public var summary: String {
    guard architecture == .x86_64 else {
      return architecture == .arm64 ? "arm64, NEON" : "unknown architecture, no vector features detected"
    }
    let name = brand.isEmpty ? "" : " (\(brand))"
    return "\(vendor) family \(family) model \(model)\(name)"
  }
}
