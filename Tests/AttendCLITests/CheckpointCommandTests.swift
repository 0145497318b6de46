import AttendCheckpoint
import AttendStorage
import Foundation
import XCTest

/// The checkpoint commands through the real `attend` binary: a training process killed with
/// SIGKILL at random moments resumes to exactly the parameters of an uninterrupted run, and
/// `checkpoint inspect`, `export` and `average` work on what training leaves behind.
///
/// The binary is the one `swift test` builds next to the test bundle (this target depends on
/// the `attend` executable for that reason).
final class CheckpointCommandTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "attend-cli-ckpt-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/corpus", withIntermediateDirectories: true)
    addTeardownBlock { [directory] in try? FileManager.default.removeItem(atPath: directory) }
    // A reverse-task corpus from a fixed seed (SplitMix64), written here so the test needs nothing else.
    var state: UInt64 = 77
    func next(_ bound: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
    func corpus(_ count: Int) -> String {
      (0..<count).map { _ in
        let words = (0..<(2 + next(6))).map { _ in "t\(next(12))" }
        return words.joined(separator: " ") + "\t" + words.reversed().joined(separator: " ")
      }.joined(separator: "\n") + "\n"
    }
    try corpus(400).write(toFile: directory + "/corpus/train.tsv", atomically: true, encoding: .utf8)
    try corpus(16).write(toFile: directory + "/corpus/dev.tsv", atomically: true, encoding: .utf8)
    try """
      model:
        embedding_size: 16
        hidden_size: 16
        attention_size: 16
        dropout: 0.1
      data:
        train: \(directory)/corpus/train.tsv
        dev: \(directory)/corpus/dev.tsv
      training:
        batch_size: 16
        epochs: 100
        max_steps: 120
        learning_rate: 0.01
        teacher_forcing: 0.8
        eval_every: 5
        keep_last: 3
        threads: 1
        checkpoint_dir: \(directory)/checkpoints
      logging:
        database: \(directory)/log.sqlite
        log_every: 10
        probes: 1
      """.write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
  }

  /// `attend` next to the test bundle.
  private var binary: String {
    let products = Bundle.main.executableURL?.deletingLastPathComponent()
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return products.appendingPathComponent("attend").path
  }

  private func start(_ arguments: [String]) throws -> Process {
    XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "no attend binary at \(binary)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    let log = directory + "/stderr-\(UUID().uuidString).txt"
    FileManager.default.createFile(atPath: log, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try process.run()
    return process
  }

  /// Runs `attend` to completion: (exit status, standard output, standard error).
  @discardableResult
  private func attend(_ arguments: [String]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
  }

  private func tensorBits(_ path: String) throws -> [String: [UInt32]] {
    Dictionary(uniqueKeysWithValues: try Checkpoint.read(from: path).tensors.map { ($0.name, $0.values.map(\.bitPattern)) })
  }

  func testTrainingKilledAtRandomMomentsResumesToTheParametersOfAnUninterruptedRun() throws {
    let config = directory + "/tiny.yaml"
    let started = Date()
    let (status, _, errors) = try attend(["train", "--config", config, "--run-name", "whole"])
    XCTAssertEqual(status, 0, errors)
    let duration = Date().timeIntervalSince(started)

    let runDirectory = directory + "/checkpoints/killed"
    let latest = runDirectory + "/latest.ckpt"
    var generator = SystemRandomNumberGenerator()
    var kills = 0
    for round in 0..<3 {
      let process = try start(
        ["train", "--config", config, "--run-name", "killed"] + (round == 0 ? [] : ["--resume"]))
      // Kill at a random moment once the run has a checkpoint to resume from (a kill before that
      // would leave nothing to resume: a fresh start, not what this test is about).
      let deadline = Date().addingTimeInterval(60)
      while !FileManager.default.fileExists(atPath: latest) && process.isRunning && Date() < deadline {
        usleep(2_000)
      }
      usleep(UInt32(Double.random(in: 0..<(duration * 0.6), using: &generator) * 1_000_000))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        kills += 1
      }
      process.waitUntilExit()
      // Whatever the moment, every checkpoint file present is complete and valid.
      for name in try FileManager.default.contentsOfDirectory(atPath: runDirectory) where name.hasSuffix(".ckpt") {
        XCTAssertNoThrow(try Checkpoint.read(from: runDirectory + "/" + name), "round \(round): \(name)")
      }
    }
    let (resumed, _, resumeErrors) = try attend(["train", "--config", config, "--run-name", "killed", "--resume"])
    XCTAssertEqual(resumed, 0, resumeErrors)
    XCTAssertGreaterThan(kills, 0, "at least one process was killed mid-run")
    XCTAssertEqual(
      try tensorBits(latest), try tensorBits(directory + "/checkpoints/whole/latest.ckpt"),
      "parameters and Adam moments after \(kills) kills")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: runDirectory).filter { $0.contains(".tmp-") }
    XCTAssertEqual(leftovers, [], "temporary files of killed writers are cleaned up")
  }

  func testInspectExportAndAverageWorkOnARunsCheckpoints() throws {
    let config = directory + "/tiny.yaml"
    XCTAssertEqual(try attend(["train", "--config", config, "--run-name", "r", "--max-steps", "10"]).0, 0)
    let step5 = directory + "/checkpoints/r/step-00000005.ckpt"
    let step10 = directory + "/checkpoints/r/step-00000010.ckpt"

    let (status, report, _) = try attend(["checkpoint", "inspect", step10])
    XCTAssertEqual(status, 0)
    XCTAssertTrue(report.contains("format      version 2, training checkpoint"), report)
    XCTAssertTrue(report.contains("position    step 10, adam step 10"), report)
    XCTAssertTrue(report.contains("decoder.output.weight"), report)
    XCTAssertTrue(report.contains("optimizer.exp_avg_sq.decoder.output.weight"), report)
    let (_, json, _) = try attend(["checkpoint", "inspect", "--header-json", step10])
    XCTAssertTrue(json.hasPrefix("{") && json.contains("\"training_state\""), json)

    let out = directory + "/model.safetensors"
    let (exported, message, _) = try attend(["export", "--checkpoint", step10, "--safetensors", out])
    XCTAssertEqual(exported, 0)
    XCTAssertTrue(message.hasPrefix("wrote \(out): "), message)
    XCTAssertFalse(try SafeTensors.read(from: out).tensors.isEmpty)

    let averaged = directory + "/average.ckpt"
    XCTAssertEqual(try attend(["average", "--out", averaged, step5, step10]).0, 0)
    XCTAssertTrue(try attend(["checkpoint", "inspect", averaged]).1.contains("averaged    from 2 checkpoints"))
    let (translated, _, translateErrors) = try attend(["translate", "--checkpoint", averaged, "t1 t2 t3"])
    XCTAssertEqual(translated, 0, translateErrors)
    XCTAssertNotEqual(try attend(["average", "--out", averaged, step5]).0, 0, "one checkpoint is a usage error")

    // A damaged file: a clear message naming the file and the problem, exit status 1.
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: step10)))
    bytes[bytes.count / 2] ^= 0x55
    let damaged = directory + "/damaged.ckpt"
    try Data(bytes).write(to: URL(fileURLWithPath: damaged))
    let (failed, _, error) = try attend(["checkpoint", "inspect", damaged])
    XCTAssertEqual(failed, 1)
    XCTAssertTrue(error.hasPrefix("error: \(damaged): checksum mismatch in"), error)
  }
}
