import AttendData
import AttendKernels
import XCTest

@testable import AttendModel

/// How much a workspace holds for each kind of pass.
final class WorkspaceTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  func testDecodingKeepsTwoStepBlocksHoweverLongTheOutput() {
    let model = AttentionBehaviourTests.model { $0.decoderLayers = 2 }
    let batch = Batch.make(sources: AttentionBehaviourTests.sources, targets: AttentionBehaviourTests.targets)
    let b = batch.size
    for (mode, blocks) in [(ForwardMode.decoding, 2), (.scoring, 40), (.training, 40)] {
      let ws = Workspace()
      ws.prepare(batch: batch, model: model, decoderSteps: 40, mode: mode)
      XCTAssertEqual(ws.stepRing, mode == .decoding)
      XCTAssertEqual(ws.z.count, blocks * b * model.zWidth, "\(mode)")
      XCTAssertEqual(ws.logits.count, blocks * b * model.targetVocabularySize, "\(mode)")
      XCTAssertEqual(ws.g.count, (blocks + 1) * b * model.gWidth, "\(mode)")
      XCTAssertEqual(ws.layers[0].states.count, (blocks + 1) * b * model.h, "\(mode)")
      // Every step's attention weights stay: search hands them out with each translation.
      XCTAssertEqual(ws.attentionWeights.count, 40 * b * batch.sourceLength, "\(mode)")
    }
  }

  func testStepBlocksAlternateWhenDecodingAndAreTheStepOtherwise() {
    let model = AttentionBehaviourTests.model()
    let batch = Batch.make(sources: AttentionBehaviourTests.sources, targets: AttentionBehaviourTests.targets)
    let ws = Workspace()
    ws.prepare(batch: batch, model: model, decoderSteps: 6)
    XCTAssertEqual((0..<6).map(ws.block), [0, 1, 0, 1, 0, 1])
    XCTAssertEqual(ws.blockRow(4 * 3 + 2), 2)
    XCTAssertEqual(ws.blockRow(5 * 3 + 1), 3 + 1)
    ws.prepare(batch: batch, model: model, decoderSteps: 6, mode: .scoring)
    XCTAssertEqual((0..<6).map(ws.block), [0, 1, 2, 3, 4, 5])
    XCTAssertEqual(ws.blockRow(5 * 3 + 1), 16)
  }
}
