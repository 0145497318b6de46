import AttendData
import AttendKernels
import XCTest

@testable import AttendModel

/// The whole model's backward against central finite differences, parameter tensor by tensor.
final class Seq2SeqGradientTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  static func tinyBatch() -> Batch {
    Batch.make(
      sources: [[4, 5, 6, 7], [8, 4], [6, 6, 5]],
      targets: [[7, 6, 5, 4], [4], [5, 7]])
  }

  static func tinyModel(bidirectional: Bool) -> Seq2Seq {
    var config = ModelConfig()
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.attentionSize = 3
    config.bidirectional = bidirectional
    config.sourceVocabularySize = 9
    config.targetVocabularySize = 8
    return Seq2Seq(config: config, seed: 7)
  }

  func checkAllParameters(_ model: Seq2Seq, teacherForcing: Float = 1) {
    let batch = Self.tinyBatch()
    let ws = Workspace()
    var rng = RandomGenerator(seed: 1)
    model.parameters.zeroGradients()
    let (sum, tokens) = model.lossAndGradients(batch: batch, workspace: ws, rng: &rng)
    XCTAssertGreaterThan(sum, 0)
    let analytic = model.parameters.gradients.array
    func loss() -> Double {
      var r = RandomGenerator(seed: 1)
      let (s, n) = model.lossAndGradients(batch: batch, workspace: ws, rng: &r)
      return s / Double(n)
    }
    _ = tokens
    let values = model.parameters.values.pointer
    let eps: Float = 1e-2
    var worst: (Double, String) = (0, "")
    for info in model.parameters.infos {
      // Every entry of small tensors, an even sample of large ones.
      let stride = max(1, info.count / 24)
      for k in Swift.stride(from: 0, to: info.count, by: stride) {
        let i = info.offset + k
        let saved = values[i]
        values[i] = saved + eps
        let up = loss()
        values[i] = saved - eps
        let down = loss()
        values[i] = saved
        let numeric = (up - down) / Double(2 * eps)
        let exact = Double(analytic[i])
        let error = abs(numeric - exact) / max(1e-2, abs(numeric) + abs(exact))
        if error > worst.0 { worst = (error, "\(info.name)[\(k)] numeric \(numeric) analytic \(exact)") }
        XCTAssertLessThan(error, 2e-2, "\(info.name)[\(k)]: numeric \(numeric), analytic \(exact)")
      }
    }
    print("worst relative gradient error: \(worst.0) at \(worst.1)")
  }

  func testBidirectionalModelGradientsMatchFiniteDifferences() {
    checkAllParameters(Self.tinyModel(bidirectional: true))
  }

  func testUnidirectionalModelGradientsMatchFiniteDifferences() {
    checkAllParameters(Self.tinyModel(bidirectional: false))
  }
}
