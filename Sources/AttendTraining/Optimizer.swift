import AttendKernels
import AttendModel

/// What the trainer needs from an optimizer: one update of every parameter from the gradients in
/// the store, and its state for a checkpoint and back, so a resumed run continues bit for bit.
///
/// An optimizer's per-parameter state (Adam's moments, SGD's momentum buffer) lives in buffers
/// laid out like `ParameterStore.values`; a checkpoint stores each buffer as one tensor per
/// parameter named `<prefix><parameter>` (CheckpointTensorName). Settings and the step count go
/// in the header's `optimizer` object (OptimizerState).
public protocol Optimizer: AnyObject {
  /// Updates taken so far.
  var step: Int { get }
  /// θ ← θ − (the optimizer's step) using the gradients in `store` and the rate `learningRate`.
  func update(_ store: ParameterStore, learningRate: Float)
  /// Settings and step, as the checkpoint header stores them.
  var checkpointState: OptimizerState { get }
  /// The per-parameter state buffers, in checkpoint order, each with its tensor-name prefix.
  var stateBuffers: [(prefix: String, buffer: FloatBuffer)] { get }
  /// Takes over the step and the buffers (by prefix, each as long as the parameters) of a
  /// checkpoint whose `checkpointState` settings equal this optimizer's.
  func restore(step: Int, buffers: [String: [Float]])
}

extension TrainingConfig {
  /// The optimizer this config trains with, fresh, for `parameterCount` parameters.
  public func makeOptimizer(parameterCount: Int) -> any Optimizer {
    switch optimizer {
    case .adam: return Adam(parameterCount: parameterCount)
    case .sgd: return SGD(parameterCount: parameterCount, momentum: Float(momentum))
    }
  }
}

extension ModelCheckpoint {
  /// Saves a training checkpoint with `optimizer`'s settings, step and state buffers.
  public static func saveTraining(
    _ model: Seq2Seq, optimizer: any Optimizer, header: CheckpointHeader, to path: String
  ) throws {
    try saveTraining(
      model, optimizerState: optimizer.checkpointState, optimizerBuffers: optimizer.stateBuffers, header: header,
      to: path)
  }
}

extension FloatBuffer {
  /// Overwrites every element with `values` (as long as the buffer).
  func copy(from values: [Float]) {
    precondition(values.count == count)
    values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
  }
}
