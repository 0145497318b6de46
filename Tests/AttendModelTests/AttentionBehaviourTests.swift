import AttendData
import AttendKernels
import Foundation
import XCTest

@testable import AttendModel

/// What the attention options do beyond their gradients: decoding-time modes, dropout only in
/// training, beam-search state reordering, initialisation, config compatibility and validation.
final class AttentionBehaviourTests: XCTestCase {
  override func setUpWithError() throws { try BLAS.load() }

  static let sources: [[Int32]] = [[4, 5, 6, 7, 8, 9], [10, 4], [6, 6, 5, 7]]
  static let targets: [[Int32]] = [[7, 6, 5, 4], [4], [5, 8, 7]]

  /// A tiny model whose parameters are drawn from U(−1, 1), wide enough that attention scores
  /// differ clearly between positions (initialised weights give nearly uniform attention).
  static func model(seed: UInt64 = 5, _ change: (inout ModelConfig) -> Void = { _ in }) -> Seq2Seq {
    let model = Seq2Seq(config: ModelVariantGradientTests.config(change), seed: seed)
    let values = randomFloats(model.parameters.count, seed: seed)
    for (i, value) in values.enumerated() { model.parameters.values[i] = value }
    return model
  }

  /// Runs the first decoder step the way search does; returns the workspace.
  func decodeFirstStep(_ model: Seq2Seq, attention: AttentionMode? = nil) -> Workspace {
    let ws = Workspace()
    let batch = Batch.make(sources: Self.sources, targets: Self.sources.map { _ in [] })
    ws.prepare(batch: batch, model: model, decoderSteps: 3, attention: attention)
    model.encode(ws)
    model.embedDecoderInputs(ws, row: 0, count: 3)
    model.decoderStep(ws, step: 0)
    model.outputRows(ws, row: 0, count: 3)
    return ws
  }

  func weights(_ ws: Workspace, sentence b: Int) -> [Float] {
    (0..<Self.sources[b].count).map { ws.attentionWeights[b * ws.sourceLength + $0] }
  }

  func testHardAttentionAtDecodingUsesTheSingleMostAttendedState() {
    for kind in [AttentionKind.bahdanau, .general] {
      let model = Self.model { $0.attention = kind }
      let soft = decodeFirstStep(model)
      let hard = decodeFirstStep(model, attention: AttentionMode(hard: true))
      let (c, s, b) = (model.c, hard.sourceLength, 3)
      for bi in 0..<b {
        let w = weights(hard, sentence: bi)
        let best = weights(soft, sentence: bi).indices.max { weights(soft, sentence: bi)[$0] < weights(soft, sentence: bi)[$1] }!
        XCTAssertEqual(w, (0..<w.count).map { $0 == best ? 1 : 0 }, "\(kind): one-hot on the soft argmax")
        let context = (0..<c).map { hard.z[bi * model.zWidth + model.e + $0] }
        let state = (0..<c).map { hard.encoder.top.states[(best * b + bi) * c + $0] }
        XCTAssertEqual(context, state, "\(kind): the context is that source state")
        XCTAssertEqual((Self.sources[bi].count..<s).map { hard.attentionWeights[bi * s + $0] }, Array(repeating: 0, count: s - Self.sources[bi].count))
      }
    }
  }

  func testDecodingTemperatureSharpensTowardsHardAndFlattensTowardsUniform() {
    let model = Self.model { $0.attention = .general }
    let sharp = decodeFirstStep(model, attention: AttentionMode(temperature: 1e-3))
    let flat = decodeFirstStep(model, attention: AttentionMode(temperature: 1e4))
    for bi in 0..<3 {
      XCTAssertGreaterThan(weights(sharp, sentence: bi).max()!, 0.999)
      let n = Float(Self.sources[bi].count)
      for w in weights(flat, sentence: bi) { XCTAssertEqual(w, 1 / n, accuracy: 1e-3) }
    }
  }

  func testTrainingTemperatureActsInTrainingAndDecodingTemperatureInSearch() {
    let batch = Batch.make(sources: Self.sources, targets: Self.targets)
    let plain = Self.model { $0.attention = .general }
    let hot = Self.model { $0.attention = .general; $0.attentionTemperature = 3 }
    let hotDecoding = Self.model { $0.attention = .general; $0.decodingTemperature = 3 }
    let ws = Workspace()
    let loss = plain.loss(batch: batch, workspace: ws).lossSum
    XCTAssertNotEqual(hot.loss(batch: batch, workspace: ws).lossSum, loss, "τ_train changes the loss")
    XCTAssertEqual(hotDecoding.loss(batch: batch, workspace: ws).lossSum, loss, "τ_decode does not")
    XCTAssertNotEqual(weights(decodeFirstStep(hotDecoding), sentence: 0), weights(decodeFirstStep(plain), sentence: 0))
    XCTAssertEqual(weights(decodeFirstStep(hot), sentence: 0), weights(decodeFirstStep(plain), sentence: 0))
  }

  func testSparsemaxGivesExactZerosWhileSoftmaxDoesNot() {
    let sparse = Self.model { $0.attention = .general; $0.attentionNormalizer = .sparsemax; $0.decodingTemperature = 0.2 }
    let ws = decodeFirstStep(sparse)
    let all = (0..<3).flatMap { weights(ws, sentence: $0) }
    XCTAssertTrue(all.contains(0), "\(all)")
    for bi in 0..<3 { XCTAssertEqual(weights(ws, sentence: bi).reduce(0, +), 1, accuracy: 1e-5) }
  }

  func testLocalMAttendsOnlyInsideTheWindowAroundTheStep() {
    let model = Self.model { $0.attention = .concat; $0.attentionWindow = .localM; $0.windowHalfWidth = 1 }
    let ws = decodeFirstStep(model)
    let w = weights(ws, sentence: 0)  // step 0: centre 0, window positions 0...1
    XCTAssertGreaterThan(w[0] + w[1], 0.999)
    XCTAssertEqual(Array(w[2...]), [0, 0, 0, 0])
  }

  func testDropoutIsOffOutsideTrainingAndReproducibleInsideIt() {
    let batch = Batch.make(sources: Self.sources, targets: Self.targets)
    let dropped = Seq2Seq(config: ModelVariantGradientTests.config { $0.dropout = 0.5; $0.encoderLayers = 2; $0.decoderLayers = 2 }, seed: 5)
    let plain = Seq2Seq(config: ModelVariantGradientTests.config { $0.encoderLayers = 2; $0.decoderLayers = 2 }, seed: 5)
    XCTAssertEqual(dropped.parameters.values.array, plain.parameters.values.array, "dropout does not change the initial values")
    let ws = Workspace()
    XCTAssertEqual(dropped.loss(batch: batch, workspace: ws).lossSum, plain.loss(batch: batch, workspace: ws).lossSum)
    func trainingLoss(_ model: Seq2Seq, seed: UInt64) -> Double {
      var rng = RandomGenerator(seed: seed)
      model.parameters.zeroGradients()
      return model.lossAndGradients(batch: batch, workspace: ws, rng: &rng).lossSum
    }
    var rng = RandomGenerator(seed: 1)
    let plainLoss = plain.lossAndGradients(batch: batch, workspace: ws, rng: &rng).lossSum
    XCTAssertNotEqual(trainingLoss(dropped, seed: 1), plainLoss, "dropout acts in training")
    XCTAssertEqual(trainingLoss(dropped, seed: 1), trainingLoss(dropped, seed: 1), "same seed, same masks")
    XCTAssertNotEqual(trainingLoss(dropped, seed: 1), trainingLoss(dropped, seed: 2))
  }

  /// Row 0 and 1 decode the same source from different first words; after swapping them with
  /// `reorderDecoderState`, each continues exactly as the other would have.
  func testReorderDecoderStateCarriesEveryStateToTheNewRow() {
    let variants: [(String, (inout ModelConfig) -> Void)] = [
      ("bahdanau", { _ in }),
      ("luong feeding, 2 layers", { $0.attention = .general; $0.decoderLayers = 2 }),
      ("concat local-p, no feeding", { $0.attention = .concat; $0.attentionWindow = .localP; $0.inputFeeding = false }),
    ]
    for (name, change) in variants {
      let model = Self.model(change)
      let v = model.targetVocabularySize
      func run(swap: Bool) -> [Float] {
        let ws = Workspace()
        let source: [Int32] = [4, 5, 6, 7]
        ws.prepare(batch: Batch.make(sources: [source, source], targets: [[], []]), model: model, decoderSteps: 3)
        model.encode(ws)
        ws.setDecoderInput(step: 0, sentence: 0, token: 5)
        ws.setDecoderInput(step: 0, sentence: 1, token: 7)
        model.embedDecoderInputs(ws, row: 0, count: 2)
        model.decoderStep(ws, step: 0)
        model.outputRows(ws, row: 0, count: 2)
        if swap {
          [Int32(1), 0].withUnsafeBufferPointer { model.reorderDecoderState(ws, step: 0, sourceRows: $0) }
        }
        ws.setDecoderInput(step: 1, sentence: 0, token: swap ? 6 : 8)
        ws.setDecoderInput(step: 1, sentence: 1, token: swap ? 8 : 6)
        model.embedDecoderInputs(ws, row: 2, count: 2)
        model.decoderStep(ws, step: 1)
        model.outputRows(ws, row: 2, count: 2)
        return Array(UnsafeBufferPointer(start: ws.logits.pointer + ws.blockRow(2) * v, count: 2 * v))
      }
      let straight = run(swap: false), swapped = run(swap: true)
      XCTAssertEqual(Array(swapped[0..<v]), Array(straight[v..<(2 * v)]), name)
      XCTAssertEqual(Array(swapped[v..<(2 * v)]), Array(straight[0..<v]), name)
    }
  }

  func testOrthogonalInitialisationGivesOrthonormalGateBlocks() {
    let (rows, columns) = (3 * 5, 5)
    let p = FloatBuffer(count: rows * columns)
    var rng = RandomGenerator(seed: 1)
    Initialization.orthogonal(p.pointer, rows: rows, columns: columns, blocks: 3, rng: &rng)
    for block in 0..<3 {
      for i in 0..<5 {
        for j in 0..<5 {
          let dot = (0..<columns).reduce(Float(0)) {
            $0 + p[(block * 5 + i) * columns + $1] * p[(block * 5 + j) * columns + $1]
          }
          XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-5)
        }
      }
    }
    // A wide matrix gets orthonormal rows, a tall one orthonormal columns.
    let tall = FloatBuffer(count: 6 * 2)
    Initialization.orthogonal(tall.pointer, rows: 6, columns: 2, rng: &rng)
    let d01 = (0..<6).reduce(Float(0)) { $0 + tall[$1 * 2] * tall[$1 * 2 + 1] }
    let d00 = (0..<6).reduce(Float(0)) { $0 + tall[$1 * 2] * tall[$1 * 2] }
    XCTAssertEqual(d01, 0, accuracy: 1e-5)
    XCTAssertEqual(d00, 1, accuracy: 1e-5)
  }

  func testInitialisationSchemesAreNamedInTheConfig() {
    func initialised(_ change: (inout ModelConfig) -> Void) -> Seq2Seq {
      Seq2Seq(config: ModelVariantGradientTests.config(change), seed: 5)
    }
    let xavier = initialised { _ in }
    let orthogonal = initialised { $0.recurrentInit = .orthogonal }
    let uniform = initialised { $0.weightInit = .uniform; $0.initRange = 0.05 }
    let name = "decoder.rnn.weight_hh"
    func tensor(_ m: Seq2Seq, _ name: String) -> [Float] {
      let info = m.parameters[m.parameters.id(named: name)!]
      return Array(m.parameters.values.array[info.offset..<(info.offset + info.count)])
    }
    XCTAssertNotEqual(tensor(xavier, name), tensor(orthogonal, name))
    XCTAssertLessThanOrEqual(tensor(uniform, "decoder.output.weight").map(abs).max()!, 0.05)
    XCTAssertGreaterThan(tensor(xavier, "decoder.output.weight").map(abs).max()!, 0.05)
  }

  func testTiedEmbeddingsShareOneTensor() {
    let tied = Self.model { $0.tieEmbeddings = true }
    XCTAssertNil(tied.parameters.id(named: "decoder.output.weight"))
    XCTAssertEqual(tied.output.weight, tied.decoder.stack.embedding.table)
    XCTAssertNotNil(tied.parameters.id(named: "decoder.output.bias"))
  }

  // MARK: Config

  /// A checkpoint header written before these options existed holds only the original keys.
  func testConfigWithoutTheNewKeysDecodesWithDefaults() throws {
    let json = """
      {"attention":"bahdanau","attention_size":64,"bidirectional":true,"decoder_init":"bridge",
       "embedding_size":32,"hidden_size":48,"source_vocabulary_size":20,"target_vocabulary_size":21}
      """
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let config = try decoder.decode(ModelConfig.self, from: Data(json.utf8))
    var expected = ModelConfig()
    expected.embeddingSize = 32
    expected.hiddenSize = 48
    expected.attentionSize = 64
    expected.sourceVocabularySize = 20
    expected.targetVocabularySize = 21
    XCTAssertEqual(config, expected)
  }

  func testConfigRoundTripsThroughJSON() throws {
    let config = ModelVariantGradientTests.config {
      $0.attention = .scaledDot
      $0.bidirectional = false
      $0.attentionWindow = .localP
      $0.attentionNormalizer = .sparsemax
      $0.attentionHeads = 2
      $0.dropout = 0.2
      $0.recurrentInit = .orthogonal
    }
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    XCTAssertEqual(try decoder.decode(ModelConfig.self, from: encoder.encode(config)), config)
  }

  func testInvalidCombinationsSayWhatToChange() {
    func problem(_ change: (inout ModelConfig) -> Void, explicit: Set<String> = []) -> ModelConfigProblem? {
      ModelVariantGradientTests.config(change).problems(explicitKeys: explicit).first
    }
    XCTAssertNil(problem { _ in })
    let dot = problem { $0.attention = .dot }
    XCTAssertEqual(dot?.key, "attention")
    XCTAssertTrue(dot?.message.contains("set bidirectional: false, or use general or concat") ?? false, "\(String(describing: dot))")
    XCTAssertEqual(problem { $0.decoderInit = .last }?.key, "decoder_init")
    XCTAssertNil(problem { $0.decoderInit = .last; $0.bidirectional = false })
    XCTAssertEqual(problem { $0.attentionHeads = 3 }?.message.contains("choose a divisor of 4"), true)
    XCTAssertEqual(problem { $0.attention = .general; $0.attentionHeads = 4 }?.message.contains("divisor of 6"), true)
    XCTAssertEqual(problem { $0.attention = .general; $0.tieEmbeddings = true }?.key, "tie_embeddings")
    XCTAssertNil(problem { $0.tieEmbeddings = true }, "Bahdanau's readout is E wide: always tieable")
    XCTAssertEqual(problem({ _ in }, explicit: ["input_feeding"])?.key, "input_feeding")
    XCTAssertNil(problem({ $0.attention = .concat }, explicit: ["input_feeding"]))
    XCTAssertEqual(problem({ _ in }, explicit: ["window_half_width"])?.key, "window_half_width")
    XCTAssertEqual(problem { $0.dropout = 1 }?.key, "dropout")
    XCTAssertEqual(problem { $0.decodingTemperature = 0 }?.key, "decoding_temperature")
  }
}
