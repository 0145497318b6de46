import AttendKernels

/// Softmax and token-level cross-entropy fused in one pass over the logits.
///
/// loss = (1/N) Σ_{real rows r} −log softmax(logits_r)[target_r], N = number of real rows
/// (padding targets are skipped). The gradient (softmax − onehot) / N overwrites the logits.
public enum SoftmaxCrossEntropy {
  /// logits: [R, V] rows `ld` apart, replaced by ∂loss/∂logits. Returns the summed −log p
  /// over real rows (divide by `count` for the mean). `scale` multiplies the gradient (1/N).
  @discardableResult
  public static func forwardBackward(
    logits: UnsafeMutablePointer<Float>, rows: Int, vocabulary v: Int, ld: Int,
    targets: UnsafePointer<Int32>, padding: Int32, scale: Float
  ) -> Double {
    var job = Rows(logits: logits, v: v, ld: ld, targets: targets, padding: padding, scale: scale, rows: rows)
    // Rows are independent, so large batches split them over both cores (the output layer's
    // softmax was 7 % of a training step). Each row's −log p is kept and the total summed in row
    // order afterwards, so one and two threads give the same bits.
    guard rows * v >= ParallelChunks.parallelElements && rows >= 2 * Rows.chunks && BLAS.threads >= 2 else {
      var total: Double = 0
      for r in 0..<rows { total += job.row(r) }
      return total
    }
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: rows) { losses in
      job.losses = losses.baseAddress!
      withUnsafePointer(to: &job) { pointer in
        KernelThread.shared.run(chunks: Rows.chunks, argument: UnsafeRawPointer(pointer)) { argument, chunk in
          argument.load(as: Rows.self).run(chunk: chunk)
        }
      }
      var total: Double = 0
      for r in 0..<rows { total += losses[r] }
      return total
    }
  }

  /// One softmax–cross-entropy over some rows of the logits.
  struct Rows {
    static let chunks = 8
    var logits: UnsafeMutablePointer<Float>, v: Int, ld: Int
    var targets: UnsafePointer<Int32>, padding: Int32, scale: Float, rows: Int
    var losses: UnsafeMutablePointer<Double>? = nil

    func run(chunk: Int) {
      let size = (rows + Self.chunks - 1) / Self.chunks
      for r in (chunk * size)..<min(rows, (chunk + 1) * size) { losses![r] = row(r) }
    }

    /// Row r: −log p(target) (0 for padding); the row becomes its gradient.
    @inline(__always)
    func row(_ r: Int) -> Double {
      let row = logits + r * ld
      let target = targets[r]
      if target == padding {
        row.update(repeating: 0, count: v)
        return 0
      }
      let (logSum, maxValue) = logSumExp(row, count: v, exponentiate: true)
      // row now holds exp(logit − max); turn it into softmax × scale.
      let inv = scale / expf(logSum - maxValue)
      var i = 0
      while i < v {
        let w = min(16, v - i)
        VectorMath.store(VectorMath.load(row + i, count: w) * inv, row + i, count: w)
        i += 16
      }
      let t = Int(target)
      // −log p = logSum − logit_t; logit_t = max + log(exp(logit_t − max)) = recovered below.
      let pTarget = row[t] / scale
      row[t] -= scale
      return Double(-logf(max(pTarget, Float.leastNormalMagnitude)))
    }
  }

  /// The index of the largest of `count` logits (the lowest index on ties): greedy prediction.
  @inlinable
  public static func argmax(_ row: UnsafePointer<Float>, count: Int) -> Int32 {
    var best = 0
    var bestValue = row[0]
    for k in 1..<count where row[k] > bestValue {
      best = k
      bestValue = row[k]
    }
    return Int32(best)
  }

  /// log Σ exp(x) and max(x). With `exponentiate`, x is replaced by exp(x − max).
  @inlinable
  public static func logSumExp(
    _ x: UnsafeMutablePointer<Float>, count v: Int, exponentiate: Bool
  ) -> (Float, Float) {
    var m = Float16x(repeating: -Float.infinity)
    var i = 0
    while i < v {
      let w = min(16, v - i)
      m = pointwiseMax(m, VectorMath.load(x + i, count: w, fill: -Float.infinity))
      i += 16
    }
    let maxValue = m.max()
    var sum = Float16x()
    i = 0
    while i < v {
      let w = min(16, v - i)
      let e = VectorMath.exp(VectorMath.load(x + i, count: w, fill: -Float.infinity) - maxValue)
      if exponentiate { VectorMath.store(e, x + i, count: w) }
      sum += e
      i += 16
    }
    return (maxValue + logf(sum.sum()), maxValue)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
