import AttendData
import AttendKernels
import AttendModel

/// One optimiser step, the only place it is written: gradients zeroed, forward and loss, backward
/// (accumulating into the zeroed gradients), global-norm clipping, the optimizer's update. `Trainer`, the
/// benchmark, the PyTorch race and the tests all step through it, so they measure and test the
/// step that training takes.
public struct TrainingStep {
  public let model: Seq2Seq
  public let optimizer: any Optimizer
  /// Scratch buffers of the forward and backward passes (shared with evaluation by `Trainer`).
  public let workspace: Workspace
  /// Gradients are scaled down to this global L2 norm when above it (0: no clipping).
  public var clipNorm: Float
  /// Probability of feeding the gold previous target token (1: always, plain teacher forcing).
  public var teacherForcing: Float

  public init(
    model: Seq2Seq, optimizer: any Optimizer, workspace: Workspace = Workspace(), clipNorm: Float, teacherForcing: Float = 1
  ) {
    self.model = model
    self.optimizer = optimizer
    self.workspace = workspace
    self.clipNorm = clipNorm
    self.teacherForcing = teacherForcing
  }

  /// What one step reports: the summed token losses, the target tokens they are summed over
  /// (padding excluded), and the gradient norm before clipping.
  public struct Result: Sendable {
    public var lossSum: Double
    public var tokens: Int
    public var gradientNorm: Float
  }

  /// Takes one step on `batch` at `learningRate`; `rng` feeds dropout and scheduled sampling.
  @discardableResult
  public func callAsFunction(_ batch: Batch, learningRate: Float, rng: inout RandomGenerator) -> Result {
    model.parameters.zeroGradients()
    let (lossSum, tokens) = model.lossAndGradients(
      batch: batch, workspace: workspace, teacherForcing: teacherForcing, rng: &rng)
    let norm = clipGradients(model.parameters, maxNorm: clipNorm)
    optimizer.update(model.parameters, learningRate: learningRate)
    return Result(lossSum: lossSum, tokens: tokens, gradientNorm: norm)
  }
}
