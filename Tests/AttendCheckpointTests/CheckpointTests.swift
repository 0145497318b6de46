import Foundation
import XCTest

import AttendStorage

@testable import AttendCheckpoint

final class CheckpointTests: XCTestCase {
  private struct InjectedFailure: Error {}

  /// Awkward values on purpose: signed zeros, infinities, subnormals, NaNs with payloads.
  private func sampleCheckpoint() -> Checkpoint {
    var generator = SplitMix64(seed: 7)
    let random = (0..<37).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())) }
    return Checkpoint(
      header: Array(#"{"model":{"hidden":4},"step":1200,"vocab":["<s>","é"]}"#.utf8),
      tensors: [
        CheckpointTensor(
          name: "encoder.embedding", shape: [2, 3],
          values: [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, Float(bitPattern: 0x7FC0_1234)]),
        CheckpointTensor(name: "scalar", shape: [], values: [3.5]),
        CheckpointTensor(name: "empty", shape: [0, 5], values: []),
        CheckpointTensor(name: "decoder.gru.W_z", shape: [37], values: random),
      ])
  }

  private func bits(_ checkpoint: Checkpoint) -> [[UInt32]] {
    checkpoint.tensors.map { $0.values.map(\.bitPattern) }
  }

  private func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Writes `bytes` as a new file: rewriting one in place costs milliseconds on ext4 (truncation
  /// flushes), too much for the thousands of files the fuzz and truncation tests write.
  private func store(_ bytes: [UInt8], at path: String) throws {
    unlink(path)
    guard let file = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
    defer { fclose(file) }
    guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
      throw CocoaError(.fileWriteUnknown)
    }
  }

  /// Reads `bytes` from a file; returns the CheckpointError, fails the test on any other error.
  private func readError(_ bytes: [UInt8], path: String, file: StaticString = #filePath, line: UInt = #line)
    throws -> CheckpointError?
  {
    try store(bytes, at: path)
    do {
      _ = try Checkpoint.read(from: path)
      return nil
    } catch let error as CheckpointError {
      return error
    } catch {
      XCTFail("not a CheckpointError: \(error)", file: file, line: line)
      return nil
    }
  }

  func testCRC32MatchesTheStandardCheckValue() {
    XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    XCTAssertEqual(CRC32.checksum([]), 0)
    // Same result whatever the split between updates (slicing-by-8 vs byte-at-a-time tails).
    let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var crc = CRC32()
    crc.update(Array(data[..<13]))
    crc.update(Array(data[13...]))
    XCTAssertEqual(crc.checksum, CRC32.checksum(data))
    XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
  }

  func testRoundTripIsBitForBitExact() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    let original = sampleCheckpoint()
    try Checkpoint.write(original, to: path)
    let loaded = try Checkpoint.read(from: path)
    XCTAssertEqual(loaded.header, original.header)
    XCTAssertEqual(loaded.tensors.map(\.name), original.tensors.map(\.name))
    XCTAssertEqual(loaded.tensors.map(\.shape), original.tensors.map(\.shape))
    XCTAssertEqual(bits(loaded), bits(original))
  }

  func testLayoutStartsWithMagicVersionKindAndAlignsThePayloads() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try Checkpoint.write(sampleCheckpoint(), to: path)
    let file = try bytes(path)
    XCTAssertEqual(Array(file[0..<8]), Array("ATTENDCK".utf8))
    XCTAssertEqual(Array(file[8..<16]), [2, 0, 0, 0, 1, 0, 0, 0], "version 2, kind 1 (model)")
    XCTAssertEqual(Array(file[48..<52]), Array("HEAD".utf8), "first section header ends at byte 64")
    // Walk the sections as docs/checkpoint-format.md describes them.
    var end = 16
    for tag in ["HEAD", "TTAB", "DATA"] {
      let payload = (end + 16 + 63) / 64 * 64
      XCTAssertEqual(Array(file[payload - 16..<payload - 12]), Array(tag.utf8))
      XCTAssertTrue(file[end..<payload - 16].allSatisfy { $0 == 0 })
      let length = file[payload - 8..<payload].reversed().reduce(0) { $0 << 8 | Int($1) }
      XCTAssertEqual(
        file[payload - 12..<payload - 8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) },
        CRC32.checksum(Array(file[payload..<payload + length])))
      end = payload + length
    }
    XCTAssertEqual(end, file.count)
  }

  func testDocumentedExampleHasTheDocumentedOffsets() throws {
    // docs/checkpoint-format.md, "Example": a 10-byte header and one tensor `w` of shape [2].
    let path = try makeTemporaryDirectory() + "/example.ckpt"
    try Checkpoint.write(
      Checkpoint(header: Array(#"{"a":"bc"}"#.utf8), tensors: [CheckpointTensor(name: "w", shape: [2], values: [1, 2])]),
      to: path)
    let file = try bytes(path)
    XCTAssertEqual(file.count, 200)
    XCTAssertEqual(sectionPayloads(file), [64..<74, 128..<169, 192..<200])
    XCTAssertEqual(Array(file[112..<116]), Array("TTAB".utf8))
    XCTAssertEqual(Array(file[176..<180]), Array("DATA".utf8))
  }

  func testEmptyCheckpointRoundTrips() throws {
    let path = try makeTemporaryDirectory() + "/empty.ckpt"
    try Checkpoint.write(Checkpoint(header: [], tensors: []), to: path)
    XCTAssertEqual(try Checkpoint.read(from: path), Checkpoint(header: [], tensors: []))
  }

  func testEveryTruncationThrows() throws {
    let directory = try makeTemporaryDirectory()
    try Checkpoint.write(sampleCheckpoint(), to: directory + "/model.ckpt")
    let file = try bytes(directory + "/model.ckpt")
    for length in 0..<file.count {
      XCTAssertNotNil(try readError(Array(file[..<length]), path: directory + "/cut.ckpt"), "length \(length)")
    }
  }

  func testTruncatedDataSectionMessageNamesTheFileAndTheShortfall() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/x.ckpt"
    let big = Checkpoint(
      header: [], tensors: [CheckpointTensor(name: "w", shape: [512, 512], values: .init(repeating: 1, count: 512 * 512))])
    try Checkpoint.write(big, to: path)
    let file = try bytes(path)
    let dataStart = file.count - 1_048_576
    let error = try readError(Array(file[..<(dataStart + 12_345)]), path: path)
    XCTAssertEqual(error?.description, "\(path): truncated: tensor data section needs 1,048,576 bytes, 12,345 remain")
  }

  func testFlippingAnyByteInAnySectionThrows() throws {
    let directory = try makeTemporaryDirectory()
    try Checkpoint.write(sampleCheckpoint(), to: directory + "/model.ckpt")
    let file = try bytes(directory + "/model.ckpt")
    var messages = Set<String>()
    for position in 0..<file.count {
      var corrupted = file
      corrupted[position] ^= 0x20
      let error = try readError(corrupted, path: directory + "/flipped.ckpt")
      XCTAssertNotNil(error, "flipping byte \(position) went unnoticed")
      if let error, case .checksumMismatch(let section, _, _) = error.problem { messages.insert(section) }
    }
    XCTAssertEqual(messages, ["header section", "tensor table section", "tensor data section"])
  }

  func testChecksumMismatchInDataSectionIsReportedAsSuch() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try Checkpoint.write(sampleCheckpoint(), to: path)
    var file = try bytes(path)
    file[file.count - 1] ^= 1
    let error = try XCTUnwrap(try readError(file, path: path))
    XCTAssertTrue(
      error.description.hasPrefix("\(path): checksum mismatch in tensor data section"), error.description)
  }

  func testWrongMagicAndFutureVersionAndUnknownKindAreRefused() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try Checkpoint.write(sampleCheckpoint(), to: path)
    let file = try bytes(path)

    var wrongMagic = file
    wrongMagic[0] = UInt8(ascii: "X")
    XCTAssertEqual(try readError(wrongMagic, path: path)?.description, "\(path): not an Attend checkpoint (bad magic)")
    XCTAssertEqual(try readError(Array("PK\u{3}\u{4}".utf8), path: path)?.problem, .badMagic)

    var future = file
    future[8] = 9
    XCTAssertEqual(
      try readError(future, path: path)?.description,
      "\(path): format version 9 is newer than this build supports (2)")

    var zero = file
    zero[8] = 0
    XCTAssertEqual(try readError(zero, path: path)?.problem, .unsupportedVersion(found: 0, supported: 2))

    var kind = file
    kind[12] = 3
    XCTAssertEqual(
      try readError(kind, path: path)?.description,
      "\(path): unsupported checkpoint kind 3 for format version 2 (known kinds: 1 (model checkpoint), "
        + "2 (training checkpoint))")
  }

  func testMissingFileAndDirectoryAreIOErrors() throws {
    let directory = try makeTemporaryDirectory()
    XCTAssertThrowsError(try Checkpoint.read(from: directory + "/missing.ckpt")) {
      XCTAssertEqual(($0 as? CheckpointError)?.description, "\(directory)/missing.ckpt: cannot open: No such file or directory")
    }
    XCTAssertThrowsError(try Checkpoint.read(from: directory)) {
      XCTAssertNotNil($0 as? CheckpointError)
    }
  }

  func testRandomAndMutatedBytesAlwaysThrowCheckpointErrorNeverCrash() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/fuzz.ckpt"
    try Checkpoint.write(sampleCheckpoint(), to: directory + "/model.ckpt")
    let valid = try bytes(directory + "/model.ckpt")
    var generator = SplitMix64(seed: 2024)
    func randomBytes(_ count: Int) -> [UInt8] {
      (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
    var accepted = 0
    for index in 0..<2000 {
      var candidate: [UInt8]
      var mustThrow = true
      switch index % 4 {
      case 0:  // noise
        candidate = randomBytes(Int.random(in: 0...400, using: &generator))
      case 1:  // a plausible file header, then noise
        candidate = Array("ATTENDCK".utf8) + [1, 0, 0, 0, 1, 0, 0, 0] + randomBytes(Int.random(in: 0...400, using: &generator))
      case 2:  // a valid file with a few bytes changed
        candidate = valid
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
          candidate[Int.random(in: 0..<candidate.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
        }
        mustThrow = false  // changes can cancel out (same position twice)
      default:  // the tensor table changed, with every checksum recomputed: exercises table checks
        candidate = valid
        let table = sectionPayloads(valid)[1]
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
          candidate[Int.random(in: table, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
        }
        fixChecksums(&candidate)
        mustThrow = false  // e.g. a changed name byte is still a valid checkpoint
      }
      let error = try readError(candidate, path: path)
      if error == nil {
        accepted += 1
        if mustThrow { XCTFail("case \(index) was accepted") }
      }
    }
    XCTAssertLessThan(accepted, 200)
  }

  /// Payload ranges of the three sections of a well-formed file.
  private func sectionPayloads(_ file: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var end = 16
    while ranges.count < 3 {
      let payload = (end + 16 + 63) / 64 * 64
      guard payload <= file.count else { break }
      let length = file[payload - 8..<payload].reversed().reduce(0) { $0 << 8 | Int($1) }
      guard length >= 0, length <= file.count - payload else { break }
      ranges.append(payload..<payload + length)
      end = payload + length
    }
    return ranges
  }

  private func fixChecksums(_ file: inout [UInt8]) {
    for range in sectionPayloads(file) {
      let crc = CRC32.checksum(Array(file[range]))
      for byte in 0..<4 { file[range.lowerBound - 12 + byte] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(byte))) }
    }
  }

  func testTableEntryPointingPastTheDataIsRefusedEvenWithValidChecksums() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try Checkpoint.write(
      Checkpoint(header: [], tensors: [CheckpointTensor(name: "w", shape: [2], values: [1, 2])]), to: path)
    var file = try bytes(path)
    let table = sectionPayloads(file)[1]
    // Entry layout: count(4) nameLength(4) "w"(1) rank(4) dim(8) dtype(4) offset(8) elements(8).
    let elements = table.lowerBound + 4 + 4 + 1 + 4 + 8 + 4 + 8
    file[elements] = 200
    fixChecksums(&file)
    let error = try XCTUnwrap(try readError(file, path: path))
    guard case .malformed(let part, _) = error.problem else { return XCTFail("\(error)") }
    XCTAssertEqual(part, "tensor table section")
  }

  func testWriteRefusesTensorsWhoseShapeDisagreesWithTheirValues() throws {
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    let bad = Checkpoint(header: [], tensors: [CheckpointTensor(name: "w", shape: [2, 3], values: [1, 2])])
    XCTAssertThrowsError(try Checkpoint.write(bad, to: path)) {
      XCTAssertEqual(($0 as? CheckpointError)?.problem, .invalidTensor(name: "w", detail: "shape [2, 3] holds 6 values, got 2"))
    }
    let duplicate = Checkpoint(
      header: [], tensors: Array(repeating: CheckpointTensor(name: "w", shape: [1], values: [1]), count: 2))
    XCTAssertThrowsError(try Checkpoint.write(duplicate, to: path))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
  }

  func testFailedWriteAtAnyStageLeavesTheOldFileIntactAndNoTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/model.ckpt"
    let old = sampleCheckpoint()
    try Checkpoint.write(old, to: path)
    let oldBytes = try bytes(path)
    var new = old
    new.tensors[0].values[0] = 42
    for stage in CheckpointWriteStage.allCases {
      XCTAssertThrowsError(
        try Checkpoint.write(new, to: path, injectingFailure: { if $0 == stage { throw InjectedFailure() } })
      ) { XCTAssertTrue($0 is InjectedFailure, "\(stage): \($0)") }
      XCTAssertEqual(try bytes(path), oldBytes, "\(stage) damaged the existing file")
      XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.ckpt"], "\(stage)")
    }
    try Checkpoint.write(new, to: path)
    XCTAssertEqual(try Checkpoint.read(from: path).tensors[0].values[0], 42)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.ckpt"])
  }

  func testFailedRenameRemovesTheTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    let target = directory + "/occupied"
    try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
    XCTAssertThrowsError(try Checkpoint.write(sampleCheckpoint(), to: target)) {
      guard case .io(let text)? = ($0 as? CheckpointError)?.problem else { return XCTFail("\($0)") }
      XCTAssertTrue(text.hasPrefix("cannot rename"), text)
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["occupied"])
    XCTAssertThrowsError(try Checkpoint.write(sampleCheckpoint(), to: directory + "/missing/model.ckpt")) {
      XCTAssertNotNil($0 as? CheckpointError)
    }
  }
}
