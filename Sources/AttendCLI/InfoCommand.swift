import ArgumentParser
import AttendKernels

struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info", abstract: "Show which BLAS path and how many threads Attend uses here.")

  func run() throws {
    try reportingErrors {
      try BLAS.load()
      print("blas: \(BLAS.summary)")
      print("set \(BLAS.coreTypeVariable)=NAME to force an OpenBLAS kernel family (e.g. Haswell)")
    }
  }
}
