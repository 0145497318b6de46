import ArgumentParser
import AttendKernels

struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info", abstract: "Show the CPU, the kernels Attend chose for it and how many threads it uses.")

  func run() throws {
    try reportingErrors {
      print("cpu: \(CPUDescription.current.summary)")
      print("cpu features: \(CPUDescription.current.features.sorted().map(\.rawValue).joined(separator: " "))")
      print("kernel path: \(KernelPlan.current.isa.rawValue) (from \(KernelPlan.current.featureSummary))")
      try BLAS.load()
      print("products: \(BLAS.summary)")
      print("openblas: \(OpenBLASLibrary.summary)")
      print(
        "set \(BLAS.backendVariable)=onednn|openblas to force the product library, "
          + "\(OpenBLASLibrary.coreTypeVariable)=NAME an OpenBLAS kernel family (e.g. Haswell)")
    }
  }
}
