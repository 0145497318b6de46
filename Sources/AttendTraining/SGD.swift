import AttendKernels
import AttendModel

/// Stochastic gradient descent with momentum μ, as `torch.optim.SGD` computes it (no dampening,
/// no Nesterov): b ← μ b + g; θ ← θ − lr · b. With μ = 0 (Luong et al. 2015's plain SGD) there is
/// no buffer and the update is θ ← θ − lr · g. The learning-rate schedule (halving per epoch, on
/// plateaus) is the trainer's, not the optimizer's: see LearningRateSchedule.swift.
public final class SGD: Optimizer {
  public let momentum: Float
  /// The momentum buffer b, laid out like the parameters; nil when μ = 0.
  public let velocity: FloatBuffer?
  public private(set) var step = 0

  public init(parameterCount: Int, momentum: Float = 0) {
    self.momentum = momentum
    velocity = momentum > 0 ? FloatBuffer(count: parameterCount) : nil
  }

  public func update(_ store: ParameterStore, learningRate: Float) {
    step += 1
    var job = Update(
      momentum: momentum, learningRate: learningRate, p: store.values.pointer, g: store.gradients.pointer,
      b: velocity?.pointer, count: store.count)
    ParallelChunks.run(&job, count: store.count) { job, range in job.run(range) }
  }

  public var checkpointState: OptimizerState {
    OptimizerState(name: OptimizerKind.sgd.rawValue, step: step, momentum: momentum)
  }

  public var stateBuffers: [(prefix: String, buffer: FloatBuffer)] {
    velocity.map { [(CheckpointTensorName.momentumBufferPrefix, $0)] } ?? []
  }

  public func restore(step: Int, buffers: [String: [Float]]) {
    if let velocity { velocity.copy(from: buffers[CheckpointTensorName.momentumBufferPrefix]!) }
    self.step = step
  }

  /// One update's constants and buffers.
  struct Update {
    var momentum: Float, learningRate: Float
    var p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
    /// nil: no momentum.
    var b: UnsafeMutablePointer<Float>?
    var count: Int

    func run(_ range: Range<Int>) {
      var i = range.lowerBound
      while i < range.upperBound {
        let w = min(16, range.upperBound - i)
        var direction = VectorMath.load(g + i, count: w)
        if let b {
          direction = momentum * VectorMath.load(b + i, count: w) + direction
          VectorMath.store(direction, b + i, count: w)
        }
        VectorMath.store(VectorMath.load(p + i, count: w) - learningRate * direction, p + i, count: w)
        i += 16
      }
    }
  }
}
