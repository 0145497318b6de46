import AttendData
import AttendKernels
import XCTest

@testable import AttendModel

/// Central finite differences of a scalar function of a float buffer, compared with the
/// analytic gradient the layer's backward produced. Float32 arithmetic limits the agreement to
/// about 1e-3 relative; the tolerance below is 2e-2 so that only real errors fail.
func assertGradientMatchesFiniteDifferences(
  of values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float], name: String,
  epsilon: Float = 1e-2, tolerance: Double = 2e-2, maxChecks: Int = 40,
  loss: () -> Double, file: StaticString = #filePath, line: UInt = #line
) {
  let stride = max(1, count / maxChecks)
  for i in Swift.stride(from: 0, to: count, by: stride) {
    let saved = values[i]
    values[i] = saved + epsilon
    let up = loss()
    values[i] = saved - epsilon
    let down = loss()
    values[i] = saved
    let numeric = (up - down) / Double(2 * epsilon)
    let exact = Double(analytic[i])
    let error = abs(numeric - exact) / max(1e-2, abs(numeric) + abs(exact))
    XCTAssertLessThan(
      error, tolerance, "\(name)[\(i)]: numeric \(numeric), analytic \(exact)", file: file, line: line)
  }
}

/// Deterministic pseudo-random floats in [-scale, scale].
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
  var rng = RandomGenerator(seed: seed)
  return (0..<count).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}

/// Every parameter tensor of a whole model against central differences of the loss of a fixed
/// padded batch. The training generator is reseeded for every evaluation, so dropout masks and
/// teacher-forcing draws are the same in each.
func assertModelGradientsMatchFiniteDifferences(
  _ config: ModelConfig, teacherForcing: Float = 1, file: StaticString = #filePath, line: UInt = #line
) {
  let model = Seq2Seq(config: config, seed: 5)
  let batch = Batch.make(
    sources: [[4, 5, 6, 7, 8, 9], [10, 4], [6, 6, 5, 7]], targets: [[7, 6, 5, 4], [4], [5, 8, 7]])
  let ws = Workspace()
  func loss() -> Double {
    var rng = RandomGenerator(seed: 3)
    let (sum, n) = model.lossAndGradients(batch: batch, workspace: ws, teacherForcing: teacherForcing, rng: &rng)
    return sum / Double(n)
  }
  model.parameters.zeroGradients()
  _ = loss()
  let analytic = model.parameters.gradients.array
  let values = model.parameters.values.pointer
  for info in model.parameters.infos {
    assertGradientMatchesFiniteDifferences(
      of: values + info.offset, count: info.count, analytic: Array(analytic[info.offset..<(info.offset + info.count)]),
      name: info.name, epsilon: 3e-3, maxChecks: 12, loss: loss, file: file, line: line)
  }
}
