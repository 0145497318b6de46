import Foundation
import Synchronization

/// A second thread for Attend's own kernels: a job is cut into chunks, and the calling thread and
/// this thread take chunks until none are left.
///
/// Why not Dispatch: `concurrentPerform` costs 5–20 µs to start and finish, as much as the
/// decoder-step products it would split (20–50 µs). This thread waits for work by spinning for a
/// short while after each job (a hand-off then costs well under a microsecond) and then sleeps on
/// a condition variable, so an idle process does not keep a core busy.
///
/// Why chunks: on a 2-core machine the other core is often busy with another process. The caller
/// never waits for a thread that has not started: it takes every chunk this thread has not
/// claimed, and waits only for chunks already being worked on. (OpenBLAS's own threading lacks
/// this and stalls for a scheduler time slice per product under load, so Attend runs OpenBLAS
/// single-threaded and splits large products here: `BLAS.gemm`.)
///
/// One job at a time; `run` returns when every chunk is done, so the job's memory is never touched
/// after it returns.
public final class KernelThread: @unchecked Sendable {
  /// Chunk `index` of the job whose description `argument` points to.
  public typealias Chunk = (_ argument: UnsafeRawPointer, _ index: Int) -> Void

  /// How long the thread keeps spinning for the next job before it sleeps.
  static let spinNanoseconds: UInt64 = 200_000

  /// The chunk counter of the current job: generation (high 32 bits), chunk count (bits 16–31),
  /// next unclaimed chunk (low 16 bits). A claim is a compare-and-swap, so a thread still holding
  /// a finished job's generation can never claim a chunk of the next one.
  private let next = Atomic<Int>(0)
  private let completed = Atomic<Int>(0)
  private let sleeping = Atomic<Bool>(false)
  /// Set while a caller's job is posted: one job at a time.
  private let busy = Atomic<Bool>(false)
  private var chunk: Chunk?
  private var argument: UnsafeRawPointer?
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  /// The process's kernel thread, started on first use.
  public static let shared = KernelThread()

  /// At most this many chunks per job.
  public static let maxChunks = 0xFFFF

  private init() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    let thread = Thread { [unowned self] in self.loop() }
    thread.name = "attend-kernels"
    thread.start()
  }

  @inline(__always) private static func generation(_ v: Int) -> Int { v >> 32 }
  @inline(__always) private static func count(_ v: Int) -> Int { (v >> 16) & 0xFFFF }
  @inline(__always) private static func index(_ v: Int) -> Int { v & 0xFFFF }

  /// Runs `chunk(argument, i)` for every i in 0..<chunks, on this thread and the calling one;
  /// returns when all are done. If another thread is using the kernel thread at the moment (two
  /// models decoding side by side, say), the caller runs every chunk itself.
  public func run(chunks: Int, argument: UnsafeRawPointer, _ chunk: @escaping Chunk) {
    precondition(chunks > 0 && chunks <= Self.maxChunks)
    guard !busy.exchange(true, ordering: .acquiring) else {
      for index in 0..<chunks { chunk(argument, index) }
      return
    }
    defer { busy.store(false, ordering: .releasing) }
    self.chunk = chunk
    self.argument = argument
    completed.store(0, ordering: .relaxed)
    let generation = Self.generation(next.load(ordering: .relaxed)) + 1
    // Sequentially consistent, like the thread's own `sleeping` store and `next` load: either it
    // sees this job before it sleeps, or this sees it sleeping and wakes it.
    next.store(generation << 32 | chunks << 16, ordering: .sequentiallyConsistent)
    if sleeping.load(ordering: .sequentiallyConsistent) {
      pthread_mutex_lock(mutex)
      pthread_cond_signal(wake)
      pthread_mutex_unlock(mutex)
    }
    work(generation: generation)
    while completed.load(ordering: .acquiring) != chunks {}
  }

  /// Claims and runs chunks of job `generation` until none are left.
  private func work(generation: Int) {
    var v = next.load(ordering: .acquiring)
    while Self.generation(v) == generation && Self.index(v) < Self.count(v) {
      let (exchanged, original) = next.compareExchange(
        expected: v, desired: v + 1, ordering: .acquiringAndReleasing)
      if !exchanged {
        v = original
        continue
      }
      chunk!(argument!, Self.index(v))
      completed.add(1, ordering: .releasing)
      v = next.load(ordering: .acquiring)
    }
  }

  private func loop() {
    var seen = 0
    while true {
      // Spin for the next job, then sleep until one is posted.
      var spinStart = DispatchTime.now().uptimeNanoseconds
      var polls = 0
      while Self.generation(next.load(ordering: .acquiring)) == seen {
        polls += 1
        if polls & 1023 != 0 { continue }
        if DispatchTime.now().uptimeNanoseconds - spinStart < Self.spinNanoseconds { continue }
        pthread_mutex_lock(mutex)
        sleeping.store(true, ordering: .sequentiallyConsistent)
        while Self.generation(next.load(ordering: .sequentiallyConsistent)) == seen {
          pthread_cond_wait(wake, mutex)
        }
        sleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        spinStart = DispatchTime.now().uptimeNanoseconds
      }
      seen = Self.generation(next.load(ordering: .acquiring))
      work(generation: seen)
    }
  }
}
