import AttendData
import AttendKernels
import AttendModel
import AttendTraining
import XCTest

@testable import AttendSearch

/// Beam search on a real (tiny, briefly trained) model: against greedy decoding and against the
/// model's own teacher-forced scores of the hypotheses it returns.
final class BeamSearchTests: XCTestCase {
  /// Models trained for a moment on a small reverse task, and held-out sources: half-trained on
  /// purpose, so outputs vary in length, some are wrong and some run into the length limit. One
  /// in Bahdanau's decoder order; one in Luong's, with input feeding and two decoder layers, whose
  /// beam rows carry more state to reorder; one with Bahdanau's additive scores in Luong's order.
  static let models: [(name: String, model: Seq2Seq, sources: [[Int32]])] = {
    try! BLAS.load()
    let corpus = ToyCorpus.generate(
      task: .reverse, seed: 3, trainCount: 2000, devCount: 40, testCount: 0, minLength: 2, maxLength: 7,
      vocabularySize: 12)
    let vocabulary = Vocabulary.build(from: corpus.train.map(\.source) + corpus.train.map(\.target))
    var bahdanau = ModelConfig()
    bahdanau.embeddingSize = 16
    bahdanau.hiddenSize = 32
    bahdanau.attentionSize = 16
    bahdanau.sourceVocabularySize = vocabulary.count
    bahdanau.targetVocabularySize = vocabulary.count
    var luong = bahdanau
    luong.attention = .general
    luong.inputFeeding = true
    luong.decoderLayers = 2
    let pairs = corpus.train.enumerated().map {
      EncodedPair(source: vocabulary.encode($1.source), target: vocabulary.encode($1.target), index: $0)
    }
    let sources = corpus.dev.map { vocabulary.encode($0.source) }
    // Additive scores in Luong's order: the beam reorders the projected query W_a h_t too.
    var additiveLuong = bahdanau
    additiveLuong.decoder = .luong
    let configs = [
      ("bahdanau", bahdanau), ("luong general, input feeding, 2 layers", luong),
      ("additive scores in luong's order", additiveLuong),
    ]
    return configs.map { name, config in
      let model = Seq2Seq(config: config, seed: 5)
      let step = TrainingStep(model: model, optimizer: Adam(parameterCount: model.parameters.count), clipNorm: 1)
      var rng = RandomGenerator(seed: 1)
      let batches = Batcher.batches(of: pairs, batchSize: 32)
      for n in 0..<120 { step(batches[n % batches.count], learningRate: 0.01, rng: &rng) }
      return (name, model, sources)
    }
  }()

  func testBeamSizeOneGivesExactlyTheGreedyOutput() {
    for (name, model, sources) in Self.models {
      beamSizeOneGivesExactlyTheGreedyOutput(model, sources, name)
    }
  }

  func beamSizeOneGivesExactlyTheGreedyOutput(_ model: Seq2Seq, _ sources: [[Int32]], _ name: String) {
    for ratio in [2.0, 0.5] {
      let greedy = GreedySearch.translate(model, sources: sources, maxLengthRatio: ratio)
      let beam = BeamSearch.translate(
        model, sources: sources, options: SearchOptions(beamSize: 1, maxLengthRatio: ratio))
      XCTAssertEqual(beam.map(\.count), Array(repeating: 1, count: sources.count))
      for (g, b) in zip(greedy, beam.map { $0[0] }) {
        XCTAssertEqual(b.tokens, g.tokens, name)
        XCTAssertEqual(b.logProbability, g.logProbability, name)  // exactly: same terms, same order
        XCTAssertEqual(b.score, g.score, name)
        XCTAssertEqual(b.attention, g.attention, name)
      }
    }
    // The comparison is only meaningful if outputs differ in length and some hit the limit.
    let lengths = Set(GreedySearch.translate(model, sources: sources, maxLengthRatio: 0.5).map(\.tokens.count))
    XCTAssertGreaterThan(lengths.count, 2, name)
  }

  /// The search's attention settings reach every decoding step (greedy and beam), and the model
  /// keeps no decoding state: the same model decodes softly again afterwards.
  func testSearchOptionsCarryTheDecodingAttentionMode() {
    let (name, model, sources) = Self.models[0]
    let soft = Decoding.translate(model, sources: sources, options: SearchOptions(beamSize: 3))
    for beam in [1, 3] {
      let hard = Decoding.translate(model, sources: sources, options: SearchOptions(beamSize: beam, hardAttention: true))
      for row in hard.flatMap({ $0[0].attention }) {
        XCTAssertEqual(row.filter { $0 == 1 }.count, 1, "\(name): one-hot")
        XCTAssertEqual(row.filter { $0 == 0 }.count, row.count - 1, "\(name): one-hot")
      }
    }
    XCTAssertEqual(Decoding.translate(model, sources: sources, options: SearchOptions(beamSize: 3)), soft)
    let sharp = Decoding.translate(model, sources: sources, options: SearchOptions(beamSize: 1, attentionTemperature: 1e-3))
    XCTAssertGreaterThan(sharp.flatMap { $0[0].attention }.map { $0.max()! }.min()!, 0.99, name)
  }

  func testNBestListsAreSortedDistinctAndScoredAsTheModelScoresThem() {
    for (name, model, sources) in Self.models {
      nBestListsAreSortedDistinctAndScoredAsTheModelScoresThem(model, sources, name)
    }
  }

  func nBestListsAreSortedDistinctAndScoredAsTheModelScoresThem(_ model: Seq2Seq, _ sources: [[Int32]], _ name: String) {
    let options = SearchOptions(beamSize: 4, nBest: 4)
    let lists = BeamSearch.translate(model, sources: Array(sources.prefix(12)), options: options)
    let ws = Workspace()
    for (source, list) in zip(sources, lists) {
      XCTAssertEqual(list.count, 4)
      XCTAssertEqual(list.map(\.score), list.map(\.score).sorted(by: >))
      XCTAssertEqual(Set(list.map(\.tokens)).count, list.count, "n-best entries must differ")
      for hypothesis in list {
        // The teacher-forced loss of exactly these tokens is −log P: the beam's states were
        // reordered correctly if and only if its running scores agree with it.
        let batch = Batch.make(sources: [source], targets: [hypothesis.tokens])
        let (lossSum, tokens) = model.loss(batch: batch, workspace: ws)
        XCTAssertEqual(tokens, hypothesis.tokens.count + 1)
        XCTAssertEqual(-hypothesis.logProbability, lossSum, accuracy: 1e-4 * Double(tokens), name)
        XCTAssertEqual(hypothesis.attention.count, hypothesis.tokens.count + 1)
        XCTAssert(hypothesis.attention.allSatisfy { $0.count == source.count })
      }
    }
  }

  func testBatchedBeamSearchEqualsOneSentenceAtATime() {
    let (_, model, sources) = Self.models[1]
    let options = SearchOptions(beamSize: 3, nBest: 2, lengthNormalization: .gnmt)
    let batched = BeamSearch.translate(model, sources: Array(sources.prefix(8)), options: options)
    for (i, source) in sources.prefix(8).enumerated() {
      let alone = BeamSearch.translate(model, sources: [source], options: options)[0]
      XCTAssertEqual(alone.map(\.tokens), batched[i].map(\.tokens))
      for (a, b) in zip(alone, batched[i]) { XCTAssertEqual(a.score, b.score, accuracy: 1e-4) }
    }
  }
}
