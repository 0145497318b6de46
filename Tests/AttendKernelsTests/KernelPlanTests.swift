import XCTest

@testable import AttendKernels

/// The kernel choice over recorded CPUs. Each CPU is its CPUID leaves and XCR0, decoded by the same
/// code that reads the running processor. The AMD Zen 3 record is a raw dump of a machine of this
/// project's kind; the Intel Xeon (family 6 model 207), Zen 5, Haswell and Atom records are rebuilt
/// from the feature flags those CPUs report (lscpu), bit by bit as the Intel SDM and AMD APM lay
/// out leaves 1 and 7.
final class KernelPlanTests: XCTestCase {
  // Vendor strings as CPUID leaf 0 packs them into EBX, ECX, EDX.
  static let amd: (UInt32, UInt32, UInt32) = (0x6874_7541, 0x444D_4163, 0x6974_6E65)  // "Auth" "cAMD" "enti"
  static let intel: (UInt32, UInt32, UInt32) = (0x756E_6547, 0x6C65_746E, 0x4965_6E69)  // "Genu" "ntel" "ineI"

  static func record(
    maxLeaf: UInt32, vendor: (UInt32, UInt32, UInt32), leaf1: [UInt32], leaf7: [UInt32] = [0, 0, 0, 0],
    leaf7s1: [UInt32] = [0, 0, 0, 0], brand: [[UInt32]] = [], xcr0: UInt64
  ) -> CPUIDSnapshot {
    var leaves: [(leaf: UInt32, subleaf: UInt32, registers: [UInt32])] = [
      (0, 0, [maxLeaf, vendor.0, vendor.1, vendor.2]), (1, 0, leaf1),
    ]
    if maxLeaf >= 7 { leaves += [(7, 0, leaf7), (7, 1, leaf7s1)] }
    leaves.append((0x8000_0000, 0, [brand.isEmpty ? 0x8000_0001 : 0x8000_0004, 0, 0, 0]))
    for (i, registers) in brand.enumerated() { leaves.append((0x8000_0002 + UInt32(i), 0, registers)) }
    return CPUIDSnapshot(leaves: leaves, xcr0: xcr0)
  }

  /// AMD EPYC, family 25 model 1 (Zen 3): AVX2 and FMA, no AVX-512. Raw CPUID dump.
  static let zen3 = record(
    maxLeaf: 0x10, vendor: amd, leaf1: [0x00A0_0F11, 0x0002_0800, 0xFFFA_3203, 0x178B_FBFF],
    leaf7: [0, 0x219C_07AB, 0x0040_069C, 0x8800_0010],
    brand: [[0x2044_4D41, 0x4359_5045, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], xcr0: 0x207)

  /// Intel Xeon, family 6 model 207 (0xCF, Emerald Rapids): AVX-512 F/DQ/BW/VL/VNNI/FP16 in leaf 7,
  /// AVX-512 BF16 in leaf 7.1, and the OS saving opmask and ZMM state (XCR0 0x2E7).
  static let xeon207 = record(
    maxLeaf: 0x20, vendor: intel, leaf1: [0x000C_06F2, 0x0002_0800, 0xFFFA_3203, 0x178B_FBFF],
    leaf7: [0, 0xF1BF_07AB, 0x0040_5EDE, 0x8880_0010], leaf7s1: [0x30, 0, 0, 0], xcr0: 0x2E7)

  /// AMD family 26 (Zen 5): AVX-512 with BF16 and VNNI, no FP16.
  static let zen5 = record(
    maxLeaf: 0x10, vendor: amd, leaf1: [0x00B0_0F20, 0x0002_0800, 0xFFFA_3203, 0x178B_FBFF],
    leaf7: [0, 0xF1BF_07AB, 0x0040_5EDE, 0x8800_0010], leaf7s1: [0x30, 0, 0, 0], xcr0: 0x2E7)

  /// Intel Haswell, family 6 model 63: AVX2 and FMA.
  static let haswell = record(
    maxLeaf: 0xF, vendor: intel, leaf1: [0x0003_06F2, 0x0002_0800, 0x7FFE_FBFF, 0xBFEB_FBFF],
    leaf7: [0, 0x0000_27AB, 0, 0x9C00_0000], xcr0: 0x7)

  /// Intel Atom C2000 (Silvermont), family 6 model 77: SSE4.2, neither AVX nor OSXSAVE.
  static let atom = record(
    maxLeaf: 0xB, vendor: intel, leaf1: [0x0004_06D8, 0x0010_0800, 0x43D8_E3BF, 0xBFEB_FBFF],
    leaf7: [0, 0x0000_2282, 0, 0], xcr0: 0)

  func testIntelXeonModel207RunsAVX512CooperlakeKernels() {
    let cpu = CPUDescription(x86: Self.xeon207)
    XCTAssertEqual(cpu.vendor, "GenuineIntel")
    XCTAssertEqual([cpu.family, cpu.model], [6, 207])
    XCTAssertTrue(cpu.features.isSuperset(of: [.avx2, .fma, .avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512bf16]))
    XCTAssertTrue(cpu.features.contains(.avx512fp16))
    let plan = KernelPlan.choose(for: cpu)
    XCTAssertEqual(plan.isa, .avx512)
    XCTAssertEqual(plan.openBLASCoreType, "Cooperlake")
    XCTAssertEqual(plan.featureSummary, "AVX-512F AVX-512BW AVX-512DQ AVX-512VL AVX-512BF16")
  }

  func testZen5RunsAVX512CooperlakeKernels() {
    let cpu = CPUDescription(x86: Self.zen5)
    XCTAssertEqual(cpu.vendor, "AuthenticAMD")
    XCTAssertEqual([cpu.family, cpu.model], [26, 2])
    XCTAssertFalse(cpu.features.contains(.avx512fp16))
    let plan = KernelPlan.choose(for: cpu)
    XCTAssertEqual(plan.isa, .avx512)
    XCTAssertEqual(plan.openBLASCoreType, "Cooperlake")
  }

  func testAVX2OnlyCPUsRunAVX2KernelsNamedForTheirVendor() {
    let zen3 = CPUDescription(x86: Self.zen3)
    XCTAssertEqual([zen3.family, zen3.model], [25, 1])
    XCTAssertEqual(zen3.brand, "AMD EPYC")
    XCTAssertEqual(zen3.summary, "AuthenticAMD family 25 model 1 (AMD EPYC)")
    XCTAssertTrue(zen3.features.isSuperset(of: [.avx, .avx2, .fma]))
    XCTAssertFalse(zen3.features.contains(.avx512f))
    XCTAssertEqual(KernelPlan.choose(for: zen3), KernelPlan(isa: .avx2, openBLASCoreType: "Zen", featuresUsed: [.avx2, .fma]))

    let haswell = CPUDescription(x86: Self.haswell)
    XCTAssertEqual([haswell.family, haswell.model], [6, 63])
    XCTAssertEqual(KernelPlan.choose(for: haswell).openBLASCoreType, "Haswell")
    XCTAssertEqual(KernelPlan.choose(for: haswell).isa, .avx2)
  }

  func testCPUWithNeitherAVX2NorAVX512LeavesTheChoiceToOpenBLAS() {
    let cpu = CPUDescription(x86: Self.atom)
    XCTAssertEqual([cpu.family, cpu.model], [6, 77])
    XCTAssertEqual(cpu.features, [.sse3, .sse42])
    let plan = KernelPlan.choose(for: cpu)
    XCTAssertEqual(plan.isa, .sse)
    XCTAssertNil(plan.openBLASCoreType)
  }

  func testAVX512TheOperatingSystemDoesNotSaveIsNotUsed() {
    // Same Xeon, but XCR0 without the opmask and ZMM bits (an OS or hypervisor that disables
    // AVX-512): the instructions would fault, so the plan falls back to AVX2.
    var snapshot = Self.xeon207
    snapshot.xcr0 = 0x7
    let cpu = CPUDescription(x86: snapshot)
    XCTAssertFalse(cpu.features.contains(.avx512f))
    XCTAssertEqual(KernelPlan.choose(for: cpu).openBLASCoreType, "Haswell")
  }

  func testAVXWithoutAVX2RunsSandybridgeKernels() {
    // Haswell's record less AVX2 and FMA: a Sandy Bridge.
    var snapshot = Self.haswell
    snapshot.leaves[1 << 8] = [0x0002_06A7, 0x0002_0800, 0x7FFE_FBFF & ~(1 << 12), 0xBFEB_FBFF]
    snapshot.leaves[7 << 8] = [0, 0, 0, 0]
    let plan = KernelPlan.choose(for: CPUDescription(x86: snapshot))
    XCTAssertEqual(plan.isa, .avx)
    XCTAssertEqual(plan.openBLASCoreType, "Sandybridge")
  }

  func testABuildForAWiderISAThanTheCPUHasSaysToRebuild() {
    let zen3 = CPUDescription(x86: Self.zen3)
    let message = KernelPlan.buildMismatch(on: zen3, buildISA: .avx512)
    XCTAssertEqual(
      message,
      "this build of Attend was compiled for AVX-512, but this CPU (AuthenticAMD family 25 model 1 (AMD EPYC)) "
        + "lacks AVX-512F; rebuild it on this machine: swift build -c release")
    XCTAssertNil(KernelPlan.buildMismatch(on: zen3, buildISA: .avx2))
    XCTAssertNil(KernelPlan.buildMismatch(on: CPUDescription(x86: Self.xeon207), buildISA: .avx512))
  }

  func testThisMachineRunsTheOpenBLASFamilyThePlanChose() throws {
    try OpenBLASLibrary.load()
    let plan = KernelPlan.current
    if CPUDescription.current.features.contains(.avx2) {
      XCTAssertTrue([.avx2, .avx512].contains(plan.isa), "a CPU with AVX2 must not run an SSE path")
    }
    let (requested, forced) = OpenBLASLibrary.requestedCoreType
    if !forced, let requested {
      XCTAssertEqual(OpenBLASLibrary.coreName.lowercased(), requested.lowercased(), OpenBLASLibrary.summary)
    }
    XCTAssertTrue(OpenBLASLibrary.summary.contains(OpenBLASLibrary.coreName), OpenBLASLibrary.summary)
  }
}
