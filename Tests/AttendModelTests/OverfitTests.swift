import AttendData
import AttendKernels
import XCTest

@testable import AttendModel

/// The whole model, trained on one batch with Adam (written out here, independent of the
/// optimiser in AttendTraining), must drive the loss to near zero.
final class OverfitTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  func testModelOverfitsOneBatchToNearZeroLoss() {
    var config = ModelConfig()
    config.embeddingSize = 16
    config.hiddenSize = 32
    config.attentionSize = 16
    config.sourceVocabularySize = 20
    config.targetVocabularySize = 20
    let model = Seq2Seq(config: config, seed: 3)
    let batch = Batch.make(
      sources: [[4, 5, 6, 7, 8], [9, 10, 11], [12, 13, 14, 15], [16, 17]],
      targets: [[8, 7, 6, 5, 4], [11, 10, 9], [15, 14, 13, 12], [17, 16]])
    let ws = Workspace()
    var rng = RandomGenerator(seed: 1)
    var adam = TinyAdam(count: model.parameters.count)
    var firstLoss = 0.0, lastLoss = 0.0
    for step in 1...300 {
      model.parameters.zeroGradients()
      let (sum, tokens) = model.lossAndGradients(batch: batch, workspace: ws, rng: &rng)
      let loss = sum / Double(tokens)
      if step == 1 { firstLoss = loss }
      lastLoss = loss
      adam.step(model.parameters, learningRate: 0.01)
    }
    XCTAssertGreaterThan(firstLoss, 2.5, "starts near log(V)")
    XCTAssertLessThan(lastLoss, 0.01, "one batch is memorised")
  }
}

import Foundation
