import Foundation
import Synchronization
import XCTest

@testable import AttendKernels

final class KernelThreadTests: XCTestCase {
  /// A job that counts how often each chunk ran.
  struct Counts {
    var counts: UnsafeMutablePointer<Int>
  }

  func runCounting(chunks: Int) -> [Int] {
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
    counts.initialize(repeating: 0, count: chunks)
    defer { counts.deallocate() }
    var job = Counts(counts: counts)
    withUnsafePointer(to: &job) { pointer in
      KernelThread.shared.run(chunks: chunks, argument: UnsafeRawPointer(pointer)) { argument, index in
        argument.load(as: Counts.self).counts[index] += 1
      }
    }
    return Array(UnsafeBufferPointer(start: counts, count: chunks))
  }

  func testEveryChunkRunsExactlyOnceJobAfterJob() {
    for chunks in [1, 2, 3, 8, 100] {
      for _ in 0..<200 { XCTAssertEqual(runCounting(chunks: chunks), [Int](repeating: 1, count: chunks)) }
    }
  }

  func testAJobPostedAfterTheThreadFellAsleepStillRuns() {
    _ = runCounting(chunks: 8)
    usleep(UInt32(KernelThread.spinNanoseconds / 1000) * 3)  // past the spin: the thread sleeps
    XCTAssertEqual(runCounting(chunks: 8), [Int](repeating: 1, count: 8))
  }

  func testCallersOnTwoThreadsAtOnceEachGetEveryChunkOnce() {
    final class Failures: Sendable { let count = Atomic<Int>(0) }
    let group = DispatchGroup()
    let failures = Failures()
    for _ in 0..<2 {
      DispatchQueue.global().async(group: group) {
        for _ in 0..<500 where self.runCounting(chunks: 8) != [Int](repeating: 1, count: 8) {
          failures.count.add(1, ordering: .relaxed)
        }
      }
    }
    group.wait()
    XCTAssertEqual(failures.count.load(ordering: .relaxed), 0)
  }
}
