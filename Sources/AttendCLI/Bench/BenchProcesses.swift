import ArgumentParser
import AttendBenchmark
import Foundation

// The child processes `attend bench` measures or asks: Python for torch, `attend translate`'s
// start-up, the peak memory of training and translating processes.
extension BenchCommand {
  /// Runs a program to completion; returns its standard output, throws on a non-zero exit.
  @discardableResult
  func runCapturing(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
  }

  var executable: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

  func timeFirstTranslation(checkpoint: String) throws -> Double {
    var times: [Double] = []
    for _ in 0..<10 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = ["translate", "--checkpoint", checkpoint, "1 2 3 4 5"]
      process.standardOutput = FileHandle.nullDevice
      let start = DispatchTime.now().uptimeNanoseconds
      try process.run()
      process.waitUntilExit()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      if process.terminationStatus != 0 { throw ValidationError("attend translate failed while timing start-up") }
    }
    return Benchmark.median(times)
  }

  /// Runs `attend train` on `config` for 40 steps in a child process and returns its peak RSS.
  func peakMemoryOfTraining(config: String, work: String) throws -> Double {
    try peakMemory(
      of: executable,
      [
        "train", "--config", config, "--max-steps", "40", "--run-name", "bench-memory",
        "--database", work + "/memory.sqlite", "--checkpoint-dir", work + "/checkpoints",
      ])
  }

  /// Peak resident memory (MiB) of a child process running `program arguments` to completion.
  ///
  /// Read from the child's own /proc/PID/status `VmHWM`, polled until it exits: getrusage's
  /// figure for children is useless here, because Linux starts a child's maximum at the RSS of
  /// the process that spawned it (this one, holding the benchmark's models).
  func peakMemory(of program: String, _ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let status = "/proc/\(process.processIdentifier)/status"
    var peakKiB = 0.0
    while process.isRunning {
      if let text = try? String(contentsOfFile: status, encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
      {
        peakKiB = max(peakKiB, kib)
      }
      usleep(5_000)
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
    return peakKiB / 1024
  }
}
