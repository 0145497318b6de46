import Foundation
import XCTest

@testable import AttendCheckpoint

/// Format version 2: checkpoint kinds, reading version 1 files, header-only reads, atomic pointers
/// and stale temporary files, and the safetensors writer.
final class CheckpointFormatV2Tests: XCTestCase {
  private func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  private func store(_ bytes: [UInt8], at path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  private let header = Array(#"{"kind":"attend-model","step":7}"#.utf8)
  private let tensors = [
    CheckpointTensor(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
    CheckpointTensor(name: "optimizer.exp_avg.w", shape: [2, 3], values: [0, -0.0, 0.5, 1e-30, .infinity, 7]),
  ]

  func testTrainingKindIsWrittenAndReadBack() throws {
    let path = try makeTemporaryDirectory() + "/train.ckpt"
    try Checkpoint.write(Checkpoint(header: header, tensors: tensors, kind: .training), to: path)
    XCTAssertEqual(Array(try bytes(path)[8..<16]), [2, 0, 0, 0, 2, 0, 0, 0])
    let read = try Checkpoint.read(from: path)
    XCTAssertEqual(read.kind, .training)
    XCTAssertEqual(read.version, 2)
    XCTAssertEqual(read.tensors.map { $0.values.map(\.bitPattern) }, tensors.map { $0.values.map(\.bitPattern) })
  }

  func testVersion1FilesAreReadAsModelCheckpoints() throws {
    let directory = try makeTemporaryDirectory()
    try Checkpoint.write(Checkpoint(header: header, tensors: tensors), to: directory + "/v2.ckpt")
    var file = try bytes(directory + "/v2.ckpt")
    file[8] = 1  // version 1 had the same layout, model kind only
    try store(file, at: directory + "/v1.ckpt")
    let read = try Checkpoint.read(from: directory + "/v1.ckpt")
    XCTAssertEqual(read.version, 1)
    XCTAssertEqual(read.kind, .model)
    XCTAssertEqual(read.tensors, tensors)

    file[12] = 2  // version 1 knew no training kind
    try store(file, at: directory + "/v1-training.ckpt")
    XCTAssertThrowsError(try Checkpoint.read(from: directory + "/v1-training.ckpt")) {
      XCTAssertEqual(
        ($0 as? CheckpointError)?.description,
        "\(directory)/v1-training.ckpt: unsupported checkpoint kind 2 for format version 1 "
          + "(known kinds: 1 (model checkpoint))")
    }
  }

  func testReadHeaderChecksTheHeaderSectionOnly() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try Checkpoint.write(Checkpoint(header: header, tensors: tensors, kind: .training), to: path)
    var file = try bytes(path)
    let summary = try Checkpoint.readHeader(from: path)
    XCTAssertEqual(summary.header, header)
    XCTAssertEqual(summary.kind, .training)
    XCTAssertEqual(summary.fileSize, UInt64(file.count))

    // Damaged tensor data: the header still reads, the whole file does not.
    file[file.count - 1] ^= 0xFF
    try store(file, at: path)
    XCTAssertEqual(try Checkpoint.readHeader(from: path).header, header)
    XCTAssertThrowsError(try Checkpoint.read(from: path))

    // A damaged header is caught by its checksum.
    file[70] ^= 0x01
    try store(file, at: path)
    XCTAssertThrowsError(try Checkpoint.readHeader(from: path)) {
      guard case .checksumMismatch(let section, _, _)? = ($0 as? CheckpointError)?.problem else {
        return XCTFail("\($0)")
      }
      XCTAssertEqual(section, "header section")
    }
    XCTAssertThrowsError(try Checkpoint.readHeader(from: path + ".missing"))
  }

  // MARK: AtomicFile

  func testSymbolicLinkIsReplacedInOneStep() throws {
    let directory = try makeTemporaryDirectory()
    let link = directory + "/latest.ckpt"
    try store([1], at: directory + "/a")
    try store([2], at: directory + "/b")
    try store([9], at: link)  // a plain file, as version 1 run directories have
    try AtomicFile.replaceSymbolicLink(at: link, pointingTo: "a")
    XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "a")
    try AtomicFile.replaceSymbolicLink(at: link, pointingTo: "b")
    XCTAssertEqual(try bytes(link), [2])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["a", "b", "latest.ckpt"])
  }

  func testStaleTemporaryFilesOfDeadWritersAreRemovedAndLiveOnesKept() throws {
    let directory = try makeTemporaryDirectory()
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    let dead = ".step-00000010.ckpt.tmp-\(finished.processIdentifier)-42"
    let live = ".step-00000020.ckpt.tmp-\(getpid())-43"
    for name in [dead, live, "step-00000010.ckpt", ".hidden"] { try store([0], at: directory + "/" + name) }
    XCTAssertEqual(AtomicFile.removeStaleTemporaryFiles(in: directory), [dead])
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
      [".hidden", live, "step-00000010.ckpt"].sorted())
  }

  func testAtomicWriteFailureKeepsTheOldContent() throws {
    struct Failure: Error {}
    let directory = try makeTemporaryDirectory()
    let path = directory + "/out.bin"
    try AtomicFile.write(to: path) { try $0.write([1, 2, 3]) }
    for stage in AtomicFile.Stage.allCases {
      XCTAssertThrowsError(
        try AtomicFile.write(to: path, injectingFailure: { if $0 == stage { throw Failure() } }) {
          try $0.write([4, 5, 6, 7])
        })
      XCTAssertEqual(try bytes(path), [1, 2, 3], "\(stage)")
    }
    XCTAssertThrowsError(try AtomicFile.write(to: path) { _ in throw Failure() })
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["out.bin"])
  }

  // MARK: safetensors

  func testSafeTensorsLayoutFollowsTheSpecification() throws {
    let path = try makeTemporaryDirectory() + "/model.safetensors"
    let exported = [
      CheckpointTensor(name: "encoder.embedding.weight", shape: [2, 2], values: [1, -2, 3.5, 0]),
      CheckpointTensor(name: "attention.v", shape: [3], values: [0.25, -0.0, 1e-38]),
      CheckpointTensor(name: "scalar", shape: [], values: [42]),
    ]
    try SafeTensors.write(exported, metadata: ["format": "pt", "note": "quote \" and \\ and \n"], to: path)
    let file = try bytes(path)
    let headerLength = file[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    XCTAssertEqual((8 + headerLength) % 8, 0, "data starts 8-byte aligned")
    let json = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(file[8..<(8 + headerLength)])) as? [String: Any])
    let embedding = try XCTUnwrap(json["encoder.embedding.weight"] as? [String: Any])
    XCTAssertEqual(embedding["dtype"] as? String, "F32")
    XCTAssertEqual(embedding["shape"] as? [Int], [2, 2])
    XCTAssertEqual(embedding["data_offsets"] as? [Int], [0, 16])
    XCTAssertEqual((json["attention.v"] as? [String: Any])?["data_offsets"] as? [Int], [16, 28])
    XCTAssertEqual((json["scalar"] as? [String: Any])?["shape"] as? [Int], [])
    XCTAssertEqual((json["__metadata__"] as? [String: String])?["note"], "quote \" and \\ and \n")
    XCTAssertEqual(file.count, 8 + headerLength + 32)
    // Raw little-endian Float32 after the header.
    XCTAssertEqual(Array(file[(8 + headerLength + 4)..<(8 + headerLength + 8)]), [0, 0, 0, 0xC0], "-2.0")

    let (read, metadata) = try SafeTensors.read(from: path)
    XCTAssertEqual(read.map(\.name), exported.map(\.name))
    XCTAssertEqual(read.map { $0.values.map(\.bitPattern) }, exported.map { $0.values.map(\.bitPattern) })
    XCTAssertEqual(metadata["format"], "pt")
  }

  func testSafeTensorsReaderRefusesDamagedFiles() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/m.safetensors"
    try SafeTensors.write([CheckpointTensor(name: "w", shape: [4], values: [1, 2, 3, 4])], to: path)
    let file = try bytes(path)
    for length in [0, 7, 8, 20, file.count - 1] {
      try store(Array(file[..<length]), at: directory + "/cut.safetensors")
      XCTAssertThrowsError(try SafeTensors.read(from: directory + "/cut.safetensors"), "length \(length)") {
        XCTAssertTrue($0 is CheckpointError)
      }
    }
    var huge = file
    huge[7] = 0x7F  // header length far beyond the file
    try store(huge, at: directory + "/huge.safetensors")
    XCTAssertThrowsError(try SafeTensors.read(from: directory + "/huge.safetensors"))
    XCTAssertThrowsError(
      try SafeTensors.write([CheckpointTensor(name: "w", shape: [3], values: [1])], to: directory + "/bad.safetensors"))
  }
}
