import AttendCheckpoint
import AttendKernels
import AttendModel
import Foundation

/// Adam (Kingma & Ba 2015) with bias correction. Its moments share the parameter store's flat
/// layout, so an update is one vectorised loop over all parameters.
public final class Adam: Optimizer {
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// First and second moment estimates, laid out like the parameters.
  public let m: FloatBuffer
  public let v: FloatBuffer
  /// Updates taken so far.
  public private(set) var step = 0

  public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    m = FloatBuffer(count: parameterCount)
    v = FloatBuffer(count: parameterCount)
  }

  public var checkpointState: OptimizerState {
    OptimizerState(name: OptimizerKind.adam.rawValue, step: step, beta1: beta1, beta2: beta2, epsilon: epsilon)
  }

  public var stateBuffers: [(prefix: String, buffer: FloatBuffer)] {
    [(CheckpointTensorName.firstMomentPrefix, m), (CheckpointTensorName.secondMomentPrefix, v)]
  }

  /// Restores the moments and step count (from a checkpoint).
  public func restore(step: Int, buffers: [String: [Float]]) {
    m.copy(from: buffers[CheckpointTensorName.firstMomentPrefix]!)
    v.copy(from: buffers[CheckpointTensorName.secondMomentPrefix]!)
    self.step = step
  }

  /// θ ← θ − lr · m̂ / (√v̂ + ε) using the gradients in `store`. Large stores are updated in
  /// chunks on both cores (`KernelThread`); each element's arithmetic is the same either way.
  public func update(_ store: ParameterStore, learningRate: Float) {
    step += 1
    // β^t from the step alone, as PyTorch's `1 - beta1 ** step`: the same work at step 10 or
    // 2^62, and nothing carried between updates that a resume would have to rebuild.
    let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
    var job = Update(
      b1: beta1, b2: beta2, eps: epsilon, stepSize: learningRate / correction1,
      invSqrtCorrection2: 1 / correction2.squareRoot(), p: store.values.pointer, g: store.gradients.pointer,
      m: m.pointer, v: v.pointer, count: store.count)
    ParallelChunks.run(&job, count: store.count) { job, range in job.run(range) }
  }

  /// One update's constants and buffers.
  struct Update {
    var b1: Float, b2: Float, eps: Float, stepSize: Float, invSqrtCorrection2: Float
    var p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
    var m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    var count: Int

    func run(_ range: Range<Int>) {
      var i = range.lowerBound
      while i < range.upperBound {
        let w = min(16, range.upperBound - i)
        let gv = VectorMath.load(g + i, count: w)
        let mv = b1 * VectorMath.load(m + i, count: w) + (1 - b1) * gv
        let vv = b2 * VectorMath.load(v + i, count: w) + (1 - b2) * gv * gv
        VectorMath.store(mv, m + i, count: w)
        VectorMath.store(vv, v + i, count: w)
        let denominator = vv.squareRoot() * invSqrtCorrection2 + eps
        VectorMath.store(VectorMath.load(p + i, count: w) - stepSize * mv / denominator, p + i, count: w)
        i += 16
      }
    }
  }
}

/// Rescales all gradients so their global L2 norm is at most `maxNorm` (0 disables clipping).
/// Returns the norm before clipping. The sum of squares is taken in fixed chunks added in order,
/// so the norm is the same whichever core computed which chunk.
@discardableResult
public func clipGradients(_ store: ParameterStore, maxNorm: Float) -> Float {
  struct Norm {
    var g: UnsafeMutablePointer<Float>
    var partial: UnsafeMutablePointer<Double>
    var chunkSize: Int
    var scale: Float = 1
  }
  let n = store.count
  let chunks = ParallelChunks.chunks(count: n)
  let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
  defer { partial.deallocate() }
  var job = Norm(g: store.gradients.pointer, partial: partial, chunkSize: ParallelChunks.chunkSize(count: n))
  ParallelChunks.run(&job, count: n) { job, range in
    job.partial[range.lowerBound / job.chunkSize] = VectorMath.sumOfSquares(job.g + range.lowerBound, count: range.count)
  }
  var sum = 0.0
  for c in 0..<chunks { sum += partial[c] }
  let norm = Float(sum.squareRoot())
  if maxNorm > 0 && norm > maxNorm {
    job.scale = maxNorm / (norm + 1e-6)
    ParallelChunks.run(&job, count: n) { job, range in
      var i = range.lowerBound
      while i < range.upperBound {
        let w = min(16, range.upperBound - i)
        VectorMath.store(VectorMath.load(job.g + i, count: w) * job.scale, job.g + i, count: w)
        i += 16
      }
    }
  }
  return norm
}
