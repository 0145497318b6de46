import AttendData
import AttendKernels
import AttendModel
import AttendSearch
import AttendStorage
import Foundation
import XCTest

@testable import AttendTraining

/// Model and training checkpoints: what is saved comes back bit for bit, version 1 files still
/// load, and no damaged or forged file gets further than a typed error.
final class CheckpointLoadingTests: XCTestCase {
  /// A model checkpoint written by format version 1 (before this format's training checkpoints):
  /// E = H = A = 4, 9-token vocabularies, 3 steps on a toy reverse corpus. Named `.bin`, not
  /// `.ckpt`, because .gitignore ignores `*.ckpt`.
  static let version1Fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/v1-tiny-model.bin").path

  override func setUpWithError() throws {
    try BLAS.load()
  }

  private func directory() throws -> String {
    let path = NSTemporaryDirectory() + "attend-load-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  /// A tiny model with random parameters, Adam moments and a training state full of awkward
  /// values (RNG words above Int64.max, a BLEU property name with an acronym).
  private func trainingFixture() throws -> (Seq2Seq, Adam, CheckpointHeader) {
    let vocabulary = try Vocabulary(tokens: SpecialToken.strings + ["a", "b", "c"])
    var modelConfig = ModelConfig()
    (modelConfig.embeddingSize, modelConfig.hiddenSize, modelConfig.attentionSize) = (4, 4, 4)
    (modelConfig.sourceVocabularySize, modelConfig.targetVocabularySize) = (7, 7)
    let model = Seq2Seq(config: modelConfig, seed: 3)
    let adam = Adam(parameterCount: model.parameters.count)
    var rng = RandomGenerator(seed: 9)
    adam.restore(
      step: 17,
      buffers: [
        CheckpointTensorName.firstMomentPrefix: (0..<adam.m.count).map { _ in rng.nextNormal() },
        CheckpointTensorName.secondMomentPrefix: (0..<adam.v.count).map { _ in rng.nextFloat() },
      ])
    var state = TrainingState(
      batcher: BatcherState(epoch: 2, position: 1, randomState: [UInt64.max - 1, 2, 1 << 63, 4], batches: [[1, 0], [2]]),
      randomState: [UInt64.max, 0, 12_345_678_901_234_567_890, 1], learningRate: 0.003)
    state.step = 17
    state.bestBLEU = 15.870407539347944
    state.bestMetric = 15.870407539347944
    state.bestStep = 12
    state.lastEvaluatedStep = 15
    state.trainingSeconds = 1.25
    state.trainingTokens = 999
    var experiment = ExperimentConfig(data: DataConfig(train: "t.tsv", dev: "d.tsv"), logging: LoggingConfig(runName: "x"))
    experiment.model = modelConfig
    experiment.training.seed = UInt64.max
    let header = CheckpointHeader(
      experiment: experiment, model: modelConfig, sourceVocabulary: vocabulary, targetVocabulary: vocabulary,
      runName: "x", step: 17, epoch: 2, devBLEU: 12.5, bestBLEU: 15.870407539347944,
      createdAt: "2026-01-01T00:00:00Z", metric: .bleu(12.5), trainingState: state,
      dataFingerprint: "train:0123456789abcdef dev:fedcba9876543210", runID: 42,
      preprocessing: TextPreprocessing(
        source: TextProcessor(
          tokenizer: Tokenizer(lowercase: true, normalization: .nfkc, splitPunctuation: true),
          bpe: try BytePairEncoding(merges: ["a\u{FFED} b", "ab\u{FFED} c"])),
        target: TextProcessor(tokenizer: Tokenizer())))
    return (model, adam, header)
  }

  func testTrainingCheckpointRoundTripsParametersMomentsAndHeaderExactly() throws {
    let path = try directory() + "/step.ckpt"
    let (model, adam, header) = try trainingFixture()
    try ModelCheckpoint.saveTraining(model, optimizer: adam, header: header, to: path)
    let read = try ModelCheckpoint.read(from: path)
    XCTAssertEqual(read.kind, .training)
    var expected = header
    expected.optimizer = adam.checkpointState
    XCTAssertEqual(read.loaded.header, expected)
    XCTAssertEqual(read.loaded.header.trainingState?.randomState[2], 12_345_678_901_234_567_890)
    func bits(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> [UInt32] {
      (0..<count).map { pointer[$0].bitPattern }
    }
    let n = model.parameters.count
    XCTAssertEqual(bits(read.loaded.model.parameters.values.pointer, n), bits(model.parameters.values.pointer, n))
    XCTAssertEqual(read.optimizerBuffers?[CheckpointTensorName.firstMomentPrefix]?.map(\.bitPattern), bits(adam.m.pointer, n))
    XCTAssertEqual(read.optimizerBuffers?[CheckpointTensorName.secondMomentPrefix]?.map(\.bitPattern), bits(adam.v.pointer, n))
    // Tensor names: parameters, then `optimizer.exp_avg.*`, then `optimizer.exp_avg_sq.*`.
    let names = try Checkpoint.read(from: path).tensors.map(\.name)
    let parameterNames = model.parameters.infos.map(\.name)
    XCTAssertEqual(
      names,
      parameterNames + parameterNames.map { "optimizer.exp_avg." + $0 } + parameterNames.map { "optimizer.exp_avg_sq." + $0 })
  }

  func testANonFiniteMetricIsStoredAndReadBack() throws {
    let path = try directory() + "/nan.ckpt"
    var (model, adam, header) = try trainingFixture()
    header.metric = CheckpointMetric(name: "dev_loss", value: .nan, higherIsBetter: false)
    header.devBLEU = .infinity
    try ModelCheckpoint.saveTraining(model, optimizer: adam, header: header, to: path)
    let read = try ModelCheckpoint.readHeader(from: path).header
    XCTAssertTrue(read.metric?.value.isNaN ?? false)
    XCTAssertEqual(read.devBLEU, .infinity)
    _ = model
  }

  func testVersion1CheckpointStillLoadsAndTranslates() throws {
    let loaded = try ModelCheckpoint.load(from: Self.version1Fixture)
    XCTAssertEqual(loaded.header.model.hiddenSize, 4)
    XCTAssertEqual(loaded.header.step, 3)
    XCTAssertEqual(loaded.header.devBLEU ?? 0, 15.870407539347944, accuracy: 0, "dev_bleu is read back")
    XCTAssertNil(loaded.header.trainingState)
    let raw = try Checkpoint.read(from: Self.version1Fixture)
    XCTAssertEqual(raw.version, 1)
    let byName = Dictionary(uniqueKeysWithValues: raw.tensors.map { ($0.name, $0.values) })
    for info in loaded.model.parameters.infos {
      let values = (0..<info.count).map { loaded.model.parameters.values.pointer[info.offset + $0] }
      XCTAssertEqual(values, byName[info.name], info.name)
    }
    let source = loaded.header.sourceVocabulary.encode(["1", "2", "3"])
    let output = GreedySearch.translate(loaded.model, sources: [source])[0]
    XCTAssertLessThanOrEqual(output.tokens.count, 2 * 3 + 5)
    let inspection = try ModelCheckpoint.inspect(Self.version1Fixture)
    XCTAssertEqual(inspection.version, 1)
    XCTAssertEqual(inspection.kind, .model)
  }

  // MARK: Headers that do not describe the tensors

  /// Writes a checkpoint with `header` (JSON text) and the fixture model's parameters.
  private func writeForged(_ json: String, tensors: [CheckpointTensor]? = nil, kind: CheckpointKind = .model) throws
    -> String
  {
    let path = try directory() + "/forged.ckpt"
    let (model, _, _) = try trainingFixture()
    let store = model.parameters
    let parameters = store.infos.map { info in
      CheckpointTensor(
        name: info.name, shape: info.shape,
        values: (0..<info.count).map { store.values.pointer[info.offset + $0] })
    }
    try Checkpoint.write(Checkpoint(header: Array(json.utf8), tensors: tensors ?? parameters, kind: kind), to: path)
    return path
  }

  private func headerJSON(_ edit: (inout [String: Any]) -> Void) throws -> String {
    let (_, _, header) = try trainingFixture()
    var object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: try StoredJSON.encoder().encode(header)) as? [String: Any])
    object["training_state"] = nil
    edit(&object)
    return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
  }

  private func loadError(_ path: String) -> CheckpointLoadError.Problem? {
    do {
      _ = try ModelCheckpoint.read(from: path)
      XCTFail("\(path) loaded")
      return nil
    } catch let error as CheckpointLoadError {
      XCTAssertTrue(error.description.hasPrefix(path), error.description)
      return error.problem
    } catch {
      XCTFail("not a CheckpointLoadError: \(error)")
      return nil
    }
  }

  func testHeaderProblemsAreNamed() throws {
    XCTAssertEqual(loadError(try writeForged("not json")), .invalidHeader("not a JSON object"))
    XCTAssertEqual(
      loadError(try writeForged(try headerJSON { $0["kind"] = "pytorch" })),
      .invalidHeader("kind is pytorch, expected \"attend-model\""))
    XCTAssertEqual(
      loadError(try writeForged(try headerJSON { $0["step"] = "seven" })), .invalidHeader("step: expected Int"))
    XCTAssertEqual(
      loadError(try writeForged(try headerJSON { $0["source_vocabulary"] = ["tokens": ["a"]] })),
      .invalidHeader(
        "source_vocabulary.tokens: invalid vocabulary: expected the first tokens to be <pad> <unk> <s> </s>, found a"))
    XCTAssertEqual(
      loadError(try writeForged(try headerJSON { $0["training_state"] = nil }, kind: .training)),
      .invalidHeader("a training checkpoint without training_state and optimizer"))
  }

  func testAHeaderThatDisagreesWithTheTensorsIsRefusedBeforeBuildingTheModel() throws {
    func modelEdit(_ key: String, _ value: Any) throws -> String {
      try headerJSON {
        var model = $0["model"] as! [String: Any]
        model[key] = value
        $0["model"] = model
      }
    }
    guard case .inconsistentModel(let vocabulary)? = loadError(try writeForged(try modelEdit("source_vocabulary_size", 9)))
    else { return XCTFail() }
    XCTAssertEqual(vocabulary, "model.source_vocabulary_size is 9 but the source vocabulary has 7 tokens")
    // A forged size that would allocate terabytes is refused from the file size alone.
    guard case .inconsistentModel(let huge)? = loadError(try writeForged(try modelEdit("hidden_size", 1 << 40))) else {
      return XCTFail()
    }
    XCTAssertTrue(huge.contains("more than the file's"), huge)
    guard case .inconsistentModel(let big)? = loadError(try writeForged(try modelEdit("hidden_size", 300))) else {
      return XCTFail()
    }
    XCTAssertTrue(big.contains("needs more parameters"), big)
    guard case .inconsistentModel(let invalid)? = loadError(try writeForged(try modelEdit("embedding_size", 0))) else {
      return XCTFail()
    }
    XCTAssertTrue(invalid.hasPrefix("model.embedding_size"), invalid)
  }

  func testMissingWrongShapedAndUnexpectedTensorsAreNamed() throws {
    let (model, _, _) = try trainingFixture()
    let header = try headerJSON { _ in }
    let store = model.parameters
    var tensors = store.infos.map { info in
      CheckpointTensor(name: info.name, shape: info.shape, values: [Float](repeating: 0, count: info.count))
    }
    let first = tensors.removeFirst()
    XCTAssertEqual(loadError(try writeForged(header, tensors: tensors)), .missingTensor(first.name))
    XCTAssertEqual(
      loadError(
        try writeForged(
          header, tensors: [CheckpointTensor(name: first.name, shape: [first.values.count], values: first.values)] + tensors)),
      .shapeMismatch(name: first.name, found: [first.values.count], expected: first.shape))
    XCTAssertEqual(
      loadError(try writeForged(header, tensors: [first] + tensors + [CheckpointTensor(name: "extra", shape: [1], values: [0])])),
      .unexpectedTensor("extra"))
  }

  /// Thousands of damaged training checkpoints through the whole loader (bytes, header, model,
  /// tensors): each either loads or throws a CheckpointError or CheckpointLoadError. Half the
  /// damage comes with recomputed checksums, so it reaches the header and table checks.
  func testThousandsOfMutatedCheckpointsGiveTypedErrorsNeverACrash() throws {
    let base = try directory()
    let path = base + "/valid.ckpt"
    let (model, adam, header) = try trainingFixture()
    try ModelCheckpoint.saveTraining(model, optimizer: adam, header: header, to: path)
    let valid = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    let sections = sectionPayloads(valid)
    var rng = RandomGenerator(seed: 2024)
    var outcomes: [String: Int] = [:]
    let mutant = base + "/mutant.ckpt"
    for index in 0..<3000 {
      var bytes = valid
      switch index % 6 {
      case 0:  // a few bytes anywhere
        for _ in 0...rng.nextInt(below: 4) { bytes[rng.nextInt(below: bytes.count)] ^= UInt8(1 + rng.nextInt(below: 255)) }
      case 1:  // truncated
        bytes = Array(bytes[..<rng.nextInt(below: bytes.count)])
      case 2:  // header JSON bytes, checksums recomputed
        for _ in 0...rng.nextInt(below: 3) {
          bytes[sections[0].lowerBound + rng.nextInt(below: sections[0].count)] = UInt8(32 + rng.nextInt(below: 95))
        }
        fixChecksums(&bytes)
      case 3:  // a digit of the header changed to another digit: plausible numbers, checksums recomputed
        let digits = sections[0].filter { (48...57).contains(bytes[$0]) }
        bytes[digits[rng.nextInt(below: digits.count)]] = UInt8(48 + rng.nextInt(below: 10))
        fixChecksums(&bytes)
      case 4:  // tensor table, checksums recomputed
        for _ in 0...rng.nextInt(below: 3) {
          bytes[sections[1].lowerBound + rng.nextInt(below: sections[1].count)] ^= UInt8(1 + rng.nextInt(below: 255))
        }
        fixChecksums(&bytes)
      default:  // noise behind a valid file header
        bytes = Array(valid[..<16]) + (0..<rng.nextInt(below: 600)).map { _ in UInt8(rng.nextInt(below: 256)) }
      }
      try writeQuickly(bytes, to: mutant)
      do {
        _ = try ModelCheckpoint.read(from: mutant)
        outcomes["loaded", default: 0] += 1
      } catch is CheckpointError {
        outcomes["CheckpointError", default: 0] += 1
      } catch is CheckpointLoadError {
        outcomes["CheckpointLoadError", default: 0] += 1
      } catch {
        XCTFail("case \(index): an untyped error \(error)")
      }
    }
    XCTAssertGreaterThan(outcomes["CheckpointError"] ?? 0, 1000)
    XCTAssertGreaterThan(outcomes["CheckpointLoadError"] ?? 0, 200, "\(outcomes)")
    XCTAssertLessThan(outcomes["loaded"] ?? 0, 1000, "\(outcomes)")
  }

  /// Payload ranges of the three sections of a well-formed file.
  private func sectionPayloads(_ file: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var end = 16
    while ranges.count < 3 {
      let payload = (end + 16 + 63) / 64 * 64
      guard payload <= file.count else { break }
      let length = file[payload - 8..<payload].reversed().reduce(0) { $0 << 8 | Int($1) }
      guard length >= 0, length <= file.count - payload else { break }
      ranges.append(payload..<payload + length)
      end = payload + length
    }
    return ranges
  }

  func testHeaderFieldsAreNamedAsTheFileSpellsThem() {
    XCTAssertEqual(snakeCase("sourceVocabulary"), "source_vocabulary")
    XCTAssertEqual(snakeCase("bestBLEU"), "best_bleu")
    XCTAssertEqual(snakeCase("runID"), "run_id")
    XCTAssertEqual(snakeCase("BLEUScore"), "bleu_score")
    XCTAssertEqual(snakeCase("beta1"), "beta1")
  }

  private func fixChecksums(_ file: inout [UInt8]) {
    for range in sectionPayloads(file) {
      let crc = CRC32.checksum(Array(file[range]))
      for byte in 0..<4 { file[range.lowerBound - 12 + byte] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(byte))) }
    }
  }
}
