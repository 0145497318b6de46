/// Element-wise work over a long flat buffer (Adam's update, gradient clipping) cut into a fixed
/// number of equal, 16-aligned chunks that `KernelThread` spreads over both cores.
///
/// The chunking depends only on the element count, never on which thread runs what, so a
/// reduction over chunks (added in chunk order) gives the same result every run.
public enum ParallelChunks {
  /// Below this many elements everything runs on the calling thread, as one chunk.
  public static let parallelElements = 1 << 16

  /// Chunks per job when split.
  static let splitChunks = 8

  /// Elements per chunk for `count` elements (a multiple of 16).
  public static func chunkSize(count: Int) -> Int {
    count < parallelElements ? max(count, 1) : ((count + splitChunks - 1) / splitChunks + 15) & ~15
  }

  /// How many chunks `count` elements make.
  public static func chunks(count: Int) -> Int {
    let size = chunkSize(count: count)
    return max(1, (count + size - 1) / size)
  }

  /// Runs `body(job, range)` for every chunk's range of 0..<count, on both cores when BLAS runs
  /// on two or more threads; returns when all are done.
  public static func run<Job>(_ job: inout Job, count: Int, _ body: @escaping (Job, Range<Int>) -> Void) {
    let size = chunkSize(count: count)
    let n = chunks(count: count)
    if n == 1 || BLAS.threads < 2 {
      for c in 0..<n { body(job, (c * size)..<min(count, (c + 1) * size)) }
      return
    }
    withUnsafePointer(to: &job) { pointer in
      var task = Task(job: pointer, body: body, size: size, count: count)
      withUnsafePointer(to: &task) { taskPointer in
        KernelThread.shared.run(chunks: n, argument: UnsafeRawPointer(taskPointer)) { argument, c in
          let task = argument.assumingMemoryBound(to: Task<Job>.self).pointee
          task.body(task.job.pointee, (c * task.size)..<min(task.count, (c + 1) * task.size))
        }
      }
    }
  }

  struct Task<Job> {
    var job: UnsafePointer<Job>
    var body: (Job, Range<Int>) -> Void
    var size: Int
    var count: Int
  }
}
