import AttendData
import AttendKernels
import XCTest

@testable import AttendModel

/// Whole models in every decoder order and structure against finite differences, including the
/// paths the PyTorch fixtures cannot cover (dropout under a fixed mask, the step-by-step path of
/// teacher forcing < 1), and the stacked bidirectional encoder on its own.
final class ModelVariantGradientTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  static func config(_ change: (inout ModelConfig) -> Void) -> ModelConfig {
    var config = ModelConfig()
    config.embeddingSize = 4
    config.hiddenSize = 6
    config.attentionSize = 4
    config.sourceVocabularySize = 11
    config.targetVocabularySize = 9
    change(&config)
    return config
  }

  func checkModel(
    _ config: ModelConfig, teacherForcing: Float = 1, file: StaticString = #filePath, line: UInt = #line
  ) {
    assertModelGradientsMatchFiniteDifferences(config, teacherForcing: teacherForcing, file: file, line: line)
  }

  func testLuongGeneralWithInputFeedingGradientsMatchFiniteDifferences() {
    checkModel(Self.config { $0.attention = .general })
  }

  func testLuongOutputLayerWithoutInputFeedingGradientsMatchFiniteDifferences() {
    checkModel(Self.config { $0.attention = .concat; $0.inputFeeding = false; $0.attentionHeads = 2 })
  }

  func testStackedBidirectionalEncoderAndDecoderWithDropoutUnderAFixedMask() {
    checkModel(
      Self.config {
        $0.encoderLayers = 2
        $0.decoderLayers = 2
        $0.dropout = 0.3
      })
  }

  func testLuongStackedDecoderWithDropoutUnderAFixedMask() {
    checkModel(
      Self.config {
        $0.attention = .general
        $0.decoderLayers = 3
        $0.dropout = 0.25
        $0.decoderInit = .mean
      })
  }

  /// Teacher forcing below 1 runs the decoder one step at a time (embedding, step, output per
  /// step). A rate just below 1 takes that path while every input stays gold: replacing an input
  /// by an argmax would make the loss discontinuous, which finite differences cannot check.
  func testStepByStepPathOfTeacherForcingWithLuongLocalP() {
    checkModel(
      Self.config {
        $0.attention = .general
        $0.attentionWindow = .localP
        $0.windowHalfWidth = 2
        $0.tieEmbeddings = true
        $0.embeddingSize = 6
      }, teacherForcing: 0.999_999)
  }

  func testTiedEmbeddingsInBahdanauOrderGradientsMatchFiniteDifferences() {
    checkModel(Self.config { $0.tieEmbeddings = true; $0.decoderInit = .zero })
  }

  /// The stacked bidirectional encoder alone: L = Σ r ⊙ h̄ + Σ q ⊙ final states.
  func testStackedBidirectionalEncoderGradientsMatchFiniteDifferences() {
    let (b, s, e, h, layers) = (3, 5, 4, 3, 3)
    let store = ParameterStore()
    let encoder = Encoder(store, vocabulary: 12, embedding: e, hidden: h, layers: layers, bidirectional: true)
    store.seal()
    var rng = RandomGenerator(seed: 4)
    Initialization.uniform(store.value(encoder.embedding.table), count: 12 * e, bound: 0.5, rng: &rng)
    encoder.initialize(store, input: .xavier, recurrent: .orthogonal, range: 0.1, rng: &rng)
    let lengths: [Int32] = [5, 2, 4]
    let tokens: [Int32] = (0..<(s * b)).map { $0 / b < Int(lengths[$0 % b]) ? Int32(4 + $0 % 8) : 0 }
    let c = encoder.outputSize
    let r = randomFloats(s * b * c, seed: 7), q = randomFloats(b * c, seed: 8)
    let act = Encoder.Activations()
    act.prepare(encoder, batch: b, sourceLength: s, lengths: lengths, dropout: false)
    let final = FloatBuffer(count: b * c)
    func loss() -> Double {
      tokens.withUnsafeBufferPointer { encoder.forward(store, act, tokens: $0, steps: s, batch: b, dropout: false) }
      encoder.finalStates(act, steps: s, batch: b, into: final.pointer)
      var total = 0.0
      for t in 0..<s {
        // Padding positions carry no meaning (attention never reads them): leave them out.
        for bi in 0..<b where t < Int(lengths[bi]) {
          for j in 0..<c { total += Double(r[(t * b + bi) * c + j] * act.top.states[(t * b + bi) * c + j]) }
        }
      }
      return total + (0..<(b * c)).reduce(0.0) { $0 + Double(q[$1] * final[$1]) }
    }
    _ = loss()
    store.zeroGradients()
    for t in 0..<s {
      for bi in 0..<b {
        for j in 0..<c { act.top.dStates[(t * b + bi) * c + j] = t < Int(lengths[bi]) ? r[(t * b + bi) * c + j] : 0 }
      }
    }
    for bi in 0..<b {
      for j in 0..<h {
        act.dFinalForward[bi * h + j] = q[bi * c + j]
        act.dFinalBackward[bi * h + j] = q[bi * c + h + j]
      }
    }
    tokens.withUnsafeBufferPointer {
      encoder.backward(store, act, tokens: $0, steps: s, batch: b, dropout: false, final: true)
    }
    let analytic = store.gradients.array
    for info in store.infos {
      assertGradientMatchesFiniteDifferences(
        of: store.values.pointer + info.offset, count: info.count,
        analytic: Array(analytic[info.offset..<(info.offset + info.count)]), name: info.name, epsilon: 3e-3,
        loss: loss)
    }
  }
}
