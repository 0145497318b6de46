import AttendModel
import Foundation
import XCTest
import Yams

@testable import AttendTraining

final class ConfigTests: XCTestCase {
  /// The repository root, found from this file's path (Tests/AttendTrainingTests/ConfigTests.swift).
  private static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  private static let minimal = """
    data:
      train: corpora/x/train.tsv
      dev: corpora/x/dev.tsv
    """

  private func parse(_ yaml: String, file: String = "configs/test.yaml") throws -> ExperimentConfig {
    try ExperimentConfig.parse(yaml: yaml, file: file, baseDirectory: nil)
  }

  /// Parses `yaml`, expects a ConfigError at `line` whose message contains each of `fragments`.
  @discardableResult
  private func assertConfigError(
    _ yaml: String, line: Int?, _ fragments: [String],
    file: StaticString = #filePath, sourceLine: UInt = #line
  ) -> ConfigError? {
    do {
      let config = try parse(yaml)
      XCTFail("expected a ConfigError, got \(config)", file: file, line: sourceLine)
      return nil
    } catch let error as ConfigError {
      XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
      let prefix = line.map { "configs/test.yaml:\($0): " } ?? "configs/test.yaml: "
      XCTAssertTrue(error.description.hasPrefix(prefix), "\(error)", file: file, line: sourceLine)
      for fragment in fragments {
        XCTAssertTrue(
          error.description.contains(fragment), "'\(fragment)' not in: \(error)", file: file, line: sourceLine)
      }
      return error
    } catch {
      XCTFail("expected a ConfigError, got \(error)", file: file, line: sourceLine)
      return nil
    }
  }

  // MARK: Defaults and valid files

  func testDefaultsFillInEveryKeyNotSet() throws {
    let config = try parse(Self.minimal, file: "configs/my-run.yaml")
    XCTAssertEqual(config.data.train, "corpora/x/train.tsv")
    XCTAssertEqual(config.data.dev, "corpora/x/dev.tsv")
    XCTAssertNil(config.data.test)
    XCTAssertNil(config.data.devAlignments)
    XCTAssertEqual(config.data.lowercase, false)
    XCTAssertEqual(config.data.maxLength, 50)
    XCTAssertEqual(config.data.minFrequency, 1)
    XCTAssertEqual(config.data.maxVocabulary, 0)
    XCTAssertEqual(config.model.embeddingSize, 128)
    XCTAssertEqual(config.model.hiddenSize, 128)
    XCTAssertEqual(config.model.attentionSize, 128)
    XCTAssertEqual(config.model.bidirectional, true)
    XCTAssertEqual(config.model.attention.rawValue, "bahdanau")
    XCTAssertEqual(config.model.decoderInit.rawValue, "bridge")
    let t = config.training
    XCTAssertEqual(t.seed, 1)
    XCTAssertEqual(t.batchSize, 64)
    XCTAssertEqual(t.epochs, 10)
    XCTAssertEqual(t.maxSteps, 0)
    XCTAssertEqual(t.timeLimitMinutes, 0)
    XCTAssertEqual(t.learningRate, 0.001)
    XCTAssertEqual(t.clipNorm, 1.0)
    XCTAssertEqual(t.teacherForcing, 1.0)
    XCTAssertEqual(t.evalEvery, 500)
    XCTAssertEqual(t.maxOutputRatio, 2.0)
    XCTAssertEqual(t.threads, 2)
    XCTAssertEqual(t.checkpointDir, "checkpoints")
    XCTAssertEqual(t.keepLast, 2)
    XCTAssertEqual(t.keepBest, 1)
    XCTAssertEqual(config.logging.runName, "my-run")
    XCTAssertEqual(config.logging.database, "runs/attend.sqlite")
    XCTAssertEqual(config.logging.logEvery, 50)
    XCTAssertEqual(config.logging.probes, 3)
  }

  func testEmptySectionsAndNullOptionalPathsMeanDefaults() throws {
    let config = try parse(
      """
      model:
      data:
        train: a.tsv
        dev: b.tsv
        test: ~
        dev_alignments:
      training: {}
      """)
    XCTAssertEqual(config.model.hiddenSize, 128)
    XCTAssertNil(config.data.test)
    XCTAssertNil(config.data.devAlignments)
  }

  func testEveryKeyIsRead() throws {
    let config = try parse(
      """
      model:
        embedding_size: 16
        hidden_size: 32
        attention_size: 8
        bidirectional: false
        attention: bahdanau
        decoder_init: bridge
      data:
        train: t.tsv
        dev: d.tsv
        test: e.tsv
        dev_alignments: d.align
        lowercase: yes
        max_length: 20
        min_frequency: 2
        max_vocabulary: 1000
      training:
        seed: 18446744073709551615
        batch_size: 8
        epochs: 2
        max_steps: 100
        time_limit_minutes: 1.5
        learning_rate: 1e-3
        clip_norm: 0
        teacher_forcing: 0.5
        eval_every: 10
        max_output_ratio: 1.5
        threads: 1
        checkpoint_dir: /tmp/ck
        keep_last: 4
        keep_best: 3
      logging:
        run_name: custom
        database: db.sqlite
        log_every: 5
        probes: 0
      """)
    XCTAssertEqual(config.model.embeddingSize, 16)
    XCTAssertEqual(config.model.hiddenSize, 32)
    XCTAssertEqual(config.model.attentionSize, 8)
    XCTAssertEqual(config.model.bidirectional, false)
    XCTAssertEqual(config.data.test, "e.tsv")
    XCTAssertEqual(config.data.devAlignments, "d.align")
    XCTAssertEqual(config.data.lowercase, true)
    XCTAssertEqual(config.data.maxLength, 20)
    XCTAssertEqual(config.data.minFrequency, 2)
    XCTAssertEqual(config.data.maxVocabulary, 1000)
    XCTAssertEqual(config.training.seed, UInt64.max)
    XCTAssertEqual(config.training.batchSize, 8)
    XCTAssertEqual(config.training.epochs, 2)
    XCTAssertEqual(config.training.maxSteps, 100)
    XCTAssertEqual(config.training.timeLimitMinutes, 1.5)
    XCTAssertEqual(config.training.learningRate, 0.001)
    XCTAssertEqual(config.training.clipNorm, 0)
    XCTAssertEqual(config.training.teacherForcing, 0.5)
    XCTAssertEqual(config.training.evalEvery, 10)
    XCTAssertEqual(config.training.maxOutputRatio, 1.5)
    XCTAssertEqual(config.training.threads, 1)
    XCTAssertEqual(config.training.checkpointDir, "/tmp/ck")
    XCTAssertEqual(config.training.keepLast, 4)
    XCTAssertEqual(config.training.keepBest, 3)
    XCTAssertEqual(config.logging.runName, "custom")
    XCTAssertEqual(config.logging.database, "db.sqlite")
    XCTAssertEqual(config.logging.logEvery, 5)
    XCTAssertEqual(config.logging.probes, 0)
  }

  func testRunNameDefaultsToTheFileNameWithoutExtension() {
    XCTAssertEqual(ExperimentConfig.defaultRunName(file: "configs/reverse.yaml"), "reverse")
    XCTAssertEqual(ExperimentConfig.defaultRunName(file: "/a/b/de-en.small.yml"), "de-en.small")
    XCTAssertEqual(ExperimentConfig.defaultRunName(file: "noext"), "noext")
    XCTAssertEqual(ExperimentConfig.defaultRunName(file: ".hidden"), ".hidden")
    XCTAssertEqual(ExperimentConfig.defaultRunName(file: ""), "run")
  }

  func testBaseDirectoryPrefixesRelativePathsOnly() throws {
    let config = try ExperimentConfig.parse(
      yaml: """
        data:
          train: corpora/t.tsv
          dev: /abs/d.tsv
        """, file: "x.yaml", baseDirectory: "/base")
    XCTAssertEqual(config.data.train, "/base/corpora/t.tsv")
    XCTAssertEqual(config.data.dev, "/abs/d.tsv")
    XCTAssertEqual(config.training.checkpointDir, "/base/checkpoints")
    XCTAssertEqual(config.logging.database, "/base/runs/attend.sqlite")
  }

  func testShippedReverseConfigParses() throws {
    let path = Self.root.appendingPathComponent("configs/reverse.yaml").path
    let config = try ExperimentConfig.load(path: path)
    XCTAssertEqual(config.model.embeddingSize, 64)
    XCTAssertEqual(config.model.hiddenSize, 128)
    XCTAssertEqual(config.model.attentionSize, 64)
    XCTAssertEqual(config.model.bidirectional, true)
    XCTAssertEqual(config.data.train, "corpora/reverse/train.tsv")
    XCTAssertEqual(config.data.dev, "corpora/reverse/dev.tsv")
    XCTAssertEqual(config.data.test, "corpora/reverse/test.tsv")
    XCTAssertEqual(config.data.devAlignments, "corpora/reverse/dev.align")
    XCTAssertEqual(config.training.batchSize, 64)
    XCTAssertEqual(config.training.epochs, 3)
    XCTAssertEqual(config.training.evalEvery, 200)
    XCTAssertEqual(config.training.learningRate, 0.003)
    XCTAssertEqual(config.training.clipNorm, 1.0)
    XCTAssertEqual(config.logging.runName, "reverse")
    XCTAssertEqual(config.logging.database, "runs/attend.sqlite")
    XCTAssertEqual(config.logging.probes, 3)
  }

  func testConfigReferenceDocumentsEveryKey() throws {
    let doc = try String(
      contentsOf: Self.root.appendingPathComponent("docs/config-reference.md"), encoding: .utf8)
    let sections: [(String, [String])] = [
      ("model", ModelConfig.fileKeys.map(\.name)), ("data", DataConfig.fileKeys.map(\.name)),
      ("training", TrainingConfig.fileKeys.map(\.name)), ("logging", LoggingConfig.fileKeys.map(\.name)),
    ]
    XCTAssertEqual(sections.map(\.0), ExperimentConfig.sectionNames)
    for (section, keys) in sections {
      XCTAssertTrue(doc.contains("## `\(section)`"), "no section \(section)")
      for key in keys {
        XCTAssertTrue(doc.contains("| `\(key)` |"), "\(section).\(key) is not documented")
      }
    }
  }

  // MARK: jsonString

  func testJSONStringIsSortedSnakeCaseAndStable() throws {
    let config = try parse(Self.minimal, file: "configs/stable.yaml")
    let expected = """
      {
        "data" : {
          "bad_lines" : "error",
          "batch_tokens" : 0,
          "bucketing" : true,
          "dev" : "corpora/x/dev.tsv",
          "dev_size" : 0,
          "joint_merges" : true,
          "lowercase" : false,
          "max_length" : 50,
          "max_vocabulary" : 0,
          "merges" : 0,
          "min_frequency" : 1,
          "min_length" : 1,
          "normalization" : "nfc",
          "source_column" : 0,
          "split_punctuation" : false,
          "split_seed" : 1,
          "target_column" : 1,
          "test_size" : 0,
          "train" : "corpora/x/train.tsv"
        },
        "logging" : {
          "database" : "runs/attend.sqlite",
          "log_every" : 50,
          "probes" : 3,
          "run_name" : "stable"
        },
        "model" : {
          "attention" : "bahdanau",
          "attention_heads" : 1,
          "attention_normalizer" : "softmax",
          "attention_size" : 128,
          "attention_temperature" : 1,
          "attention_window" : "global",
          "bidirectional" : true,
          "decoder_init" : "bridge",
          "decoder_layers" : 1,
          "decoding_temperature" : 1,
          "dropout" : 0,
          "embedding_size" : 128,
          "encoder_layers" : 1,
          "hard_attention" : false,
          "hidden_size" : 128,
          "init_range" : 0.1,
          "input_feeding" : true,
          "recurrent_init" : "xavier",
          "source_vocabulary_size" : 0,
          "target_vocabulary_size" : 0,
          "tie_embeddings" : false,
          "weight_init" : "xavier",
          "window_half_width" : 10
        },
        "training" : {
          "batch_size" : 64,
          "checkpoint_dir" : "checkpoints",
          "clip_norm" : 1,
          "epochs" : 10,
          "eval_every" : 500,
          "eval_metric" : "bleu",
          "keep_best" : 1,
          "keep_last" : 2,
          "learning_rate" : 0.001,
          "lr_decay_factor" : 0.5,
          "lr_decay_start_epoch" : 0,
          "lr_patience" : 0,
          "lr_reduction_factor" : 0.5,
          "max_output_ratio" : 2,
          "max_steps" : 0,
          "min_learning_rate" : 0,
          "momentum" : 0,
          "optimizer" : "adam",
          "patience" : 0,
          "seed" : 1,
          "teacher_forcing" : 1,
          "threads" : 2,
          "time_limit_minutes" : 0
        }
      }
      """
    XCTAssertEqual(config.jsonString(), expected)
    XCTAssertEqual(try parse(Self.minimal, file: "configs/stable.yaml").jsonString(), expected)
  }

  func testJSONStringReadsBackToTheSameConfig() throws {
    let path = Self.root.appendingPathComponent("configs/reverse.yaml").path
    let config = try ExperimentConfig.load(path: path)
    XCTAssertEqual(try ExperimentConfig(json: config.jsonString()), config)
  }

  // MARK: Errors

  func testUnknownKeySuggestsTheClosestValidKey() {
    let error = assertConfigError(
      """
      data:
        train: a.tsv
        dev: b.tsv
      model:
        hiden_size: 64
      """, line: 5, [])
    XCTAssertEqual(
      error?.description,
      "configs/test.yaml:5: unknown key 'hiden_size' in 'model' (did you mean 'hidden_size'? valid keys: "
        + "embedding_size, hidden_size, attention_size, bidirectional, attention, decoder, decoder_init, encoder_layers, "
        + "decoder_layers, dropout, attention_heads, attention_normalizer, attention_window, window_half_width, "
        + "input_feeding, attention_temperature, decoding_temperature, hard_attention, tie_embeddings, "
        + "weight_init, recurrent_init, init_range)")
  }

  func testUnknownKeyFarFromAnyValidKeyListsValidKeysWithoutSuggestion() {
    let error = assertConfigError(
      Self.minimal + "\ntraining:\n  scheduler: cosine\n", line: 5,
      ["unknown key 'scheduler' in 'training'", "valid keys: seed, batch_size"])
    XCTAssertFalse(error?.description.contains("did you mean") ?? true)
  }

  func testUnknownSectionSuggestsTheClosestSection() {
    assertConfigError(
      Self.minimal + "\nmodle:\n  hidden_size: 8\n", line: 4,
      ["unknown section 'modle'", "did you mean 'model'?", "valid sections: model, data, training, logging"])
  }

  func testNonIntegerValueIsAWrongTypeError() {
    let error = assertConfigError(Self.minimal + "\ntraining:\n  batch_size: abc\n", line: 5, [])
    XCTAssertEqual(error?.description, "configs/test.yaml:5: training.batch_size: expected an integer, found 'abc'")
  }

  func testFractionForAnIntegerKeyIsAWrongTypeError() {
    assertConfigError(
      Self.minimal + "\ntraining:\n  epochs: 2.5\n", line: 5,
      ["training.epochs", "expected an integer, found '2.5'"])
  }

  func testQuotedNumberIsRejectedWithAHint() {
    assertConfigError(
      Self.minimal + "\nmodel:\n  hidden_size: \"64\"\n", line: 5,
      ["model.hidden_size", "expected an integer", "quoted string '64'", "remove the quotes"])
  }

  func testNonBooleanValueIsAWrongTypeError() {
    assertConfigError(
      Self.minimal + "\nmodel:\n  bidirectional: maybe\n", line: 5,
      ["model.bidirectional", "expected true or false, found 'maybe'"])
  }

  func testNonNumericLearningRateIsAWrongTypeError() {
    assertConfigError(
      Self.minimal + "\ntraining:\n  learning_rate: fast\n", line: 5,
      ["training.learning_rate", "expected a number, found 'fast'"])
  }

  func testListWhereAPathIsExpectedIsAWrongTypeError() {
    assertConfigError(
      "data:\n  train: [a.tsv, b.tsv]\n  dev: d.tsv\n", line: 2,
      ["data.train", "expected a path, found a list"])
  }

  func testSectionThatIsNotAMappingIsAWrongTypeError() {
    assertConfigError(
      Self.minimal + "\nmodel: 5\n", line: 4,
      ["model", "expected a mapping of keys (embedding_size", "found '5'"])
  }

  func testTopLevelThatIsNotAMappingIsAWrongTypeError() {
    assertConfigError("- a\n- b\n", line: 1, ["expected a mapping of sections (model, data, training, logging)"])
  }

  func testOutOfRangeValuesNameTheRange() {
    let ranges: [(String, String, String)] = [
      ("model:\n  hidden_size: 0", "model.hidden_size", "expected an integer > 0, found '0'"),
      ("model:\n  attention_size: -3", "model.attention_size", "expected an integer > 0, found '-3'"),
      ("training:\n  learning_rate: 0", "training.learning_rate", "expected a number > 0, found '0'"),
      ("training:\n  teacher_forcing: 1.5", "training.teacher_forcing", "expected a number in [0, 1], found '1.5'"),
      ("training:\n  clip_norm: -1", "training.clip_norm", "expected a number >= 0, found '-1'"),
      ("training:\n  batch_size: 0", "training.batch_size", "expected an integer > 0, found '0'"),
      ("training:\n  max_steps: -1", "training.max_steps", "expected an integer >= 0, found '-1'"),
      ("training:\n  seed: -1", "training.seed", "expected a non-negative integer, found '-1'"),
      ("training:\n  max_output_ratio: 0", "training.max_output_ratio", "expected a number > 0, found '0'"),
      ("training:\n  time_limit_minutes: .nan", "training.time_limit_minutes", "expected a number, found '.nan'"),
      ("logging:\n  probes: -1", "logging.probes", "expected an integer >= 0, found '-1'"),
      ("logging:\n  log_every: 0", "logging.log_every", "expected an integer > 0, found '0'"),
      ("logging:\n  run_name: a/b", "logging.run_name", "expected a name without '/'"),
      ("training:\n  checkpoint_dir: ''", "training.checkpoint_dir", "expected a non-empty path"),
      ("training:\n  checkpoint_dir:", "training.checkpoint_dir", "expected a path, found nothing"),
    ]
    for (section, key, message) in ranges {
      assertConfigError(Self.minimal + "\n" + section + "\n", line: 5, [key + ": " + message])
    }
  }

  func testUnknownChoiceListsTheValidChoices() {
    let error = assertConfigError(Self.minimal + "\nmodel:\n  attention: luong\n", line: 5, [])
    XCTAssertEqual(
      error?.description,
      "configs/test.yaml:5: model.attention: unknown choice 'luong' (valid choices: bahdanau, dot, general, concat, scaled-dot)")
    assertConfigError(
      Self.minimal + "\nmodel:\n  decoder_init: zeros\n", line: 5,
      ["model.decoder_init", "unknown choice 'zeros' (valid choices: bridge, last, mean, zero)"])
    assertConfigError(
      Self.minimal + "\nmodel:\n  attention_window: local\n", line: 5,
      ["model.attention_window", "unknown choice 'local' (valid choices: global, local-m, local-p)"])
  }

  func testEveryModelKeyIsRead() throws {
    let config = try parse(
      Self.minimal + """

        model:
          attention: general
          attention_heads: 2
          attention_normalizer: sparsemax
          attention_window: local-p
          window_half_width: 4
          input_feeding: false
          attention_temperature: 0.5
          decoding_temperature: 2
          hard_attention: true
          encoder_layers: 2
          decoder_layers: 3
          decoder_init: mean
          dropout: 0.25
          tie_embeddings: true
          embedding_size: 128
          weight_init: uniform
          recurrent_init: orthogonal
          init_range: 0.05
        """)
    let m = config.model
    XCTAssertEqual(m.attention, .general)
    XCTAssertEqual(m.attentionHeads, 2)
    XCTAssertEqual(m.attentionNormalizer, .sparsemax)
    XCTAssertEqual(m.attentionWindow, .localP)
    XCTAssertEqual(m.windowHalfWidth, 4)
    XCTAssertEqual(m.inputFeeding, false)
    XCTAssertEqual(m.attentionTemperature, 0.5)
    XCTAssertEqual(m.decodingTemperature, 2)
    XCTAssertEqual(m.hardAttention, true)
    XCTAssertEqual(m.encoderLayers, 2)
    XCTAssertEqual(m.decoderLayers, 3)
    XCTAssertEqual(m.decoderInit, .mean)
    XCTAssertEqual(m.dropout, 0.25)
    XCTAssertEqual(m.tieEmbeddings, true)
    XCTAssertEqual(m.weightInit, .uniform)
    XCTAssertEqual(m.recurrentInit, .orthogonal)
    XCTAssertEqual(m.initRange, 0.05)
  }

  func testDecoderDefaultsToTheAttentionKindsPaperOrder() throws {
    XCTAssertEqual(try parse(Self.minimal).model.decoder, .bahdanau)
    for kind in ["dot", "general", "concat", "scaled-dot"] {
      let config = try parse(Self.minimal + "\nmodel:\n  bidirectional: false\n  attention: \(kind)\n")
      XCTAssertEqual(config.model.decoder, .luong, kind)
    }
    let explicit = try parse(Self.minimal + "\nmodel:\n  bidirectional: false\n  attention: dot\n  decoder: luong\n")
    XCTAssertEqual(explicit.model.decoder, .luong)
    let bahdanauOrder = try parse(Self.minimal + "\nmodel:\n  attention: general\n  decoder: bahdanau\n")
    XCTAssertEqual(bahdanauOrder.model.decoder, .bahdanau, "every score runs in either order")
    assertConfigError(
      Self.minimal + "\nmodel:\n  decoder: transformer\n", line: 5,
      ["model.decoder", "unknown choice 'transformer' (valid choices: bahdanau, luong)"])
  }

  func testStoredModelConfigWithoutDecoderReadsTheAttentionKindsOrder() throws {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let model = try decoder.decode(ModelConfig.self, from: Data(#"{"attention":"dot","hidden_size":16}"#.utf8))
    XCTAssertEqual(model.decoder, .luong)
    XCTAssertNil(model.decoderChoice, "an unwritten decoder stays unwritten: stored JSON is unchanged")
    XCTAssertEqual(model.hiddenSize, 16)
    XCTAssertEqual(model.embeddingSize, 128, "keys the JSON lacks keep their defaults")
    let outOfRange = try decoder.decode(ModelConfig.self, from: Data(#"{"hidden_size":0}"#.utf8))
    XCTAssertEqual(outOfRange.problems().first?.description, "model.hidden_size: must be an integer > 0, found 0")
    XCTAssertThrowsError(try decoder.decode(ModelConfig.self, from: Data(#"{"attention":"luong"}"#.utf8)))
  }

  func testOptimizerKeysAreReadAndSGDDefaultsToLuongsLearningRate() throws {
    let adam = try parse(Self.minimal)
    XCTAssertEqual(adam.training.optimizer, .adam)
    XCTAssertEqual(adam.training.learningRate, 0.001)
    let sgd = try parse(
      Self.minimal + "\ntraining:\n  optimizer: sgd\n  momentum: 0.9\n  lr_decay_start_epoch: 5\n  lr_decay_factor: 0.25\n")
    XCTAssertEqual(sgd.training.optimizer, .sgd)
    XCTAssertEqual(sgd.training.learningRate, 1.0, "the rate Luong et al. 2015 started SGD at")
    XCTAssertEqual(sgd.training.momentum, 0.9)
    XCTAssertEqual(sgd.training.lrDecayStartEpoch, 5)
    XCTAssertEqual(sgd.training.lrDecayFactor, 0.25)
    XCTAssertEqual(try parse(Self.minimal + "\ntraining:\n  optimizer: sgd\n  learning_rate: 0.1\n").training.learningRate, 0.1)
    XCTAssertEqual(try ExperimentConfig(json: sgd.jsonString()), sgd)
  }

  func testOptimizerKeyErrorsNameTheKey() {
    assertConfigError(
      Self.minimal + "\ntraining:\n  optimizer: adagrad\n", line: 5,
      ["training.optimizer", "unknown choice 'adagrad' (valid choices: adam, sgd)"])
    assertConfigError(
      Self.minimal + "\ntraining:\n  momentum: 0.9\n", line: 5,
      ["training.momentum", "momentum applies to optimizer: sgd", "remove momentum"])
    assertConfigError(
      Self.minimal + "\ntraining:\n  optimizer: sgd\n  momentum: 1\n", line: 6,
      ["training.momentum: expected a number in [0, 1), found '1'"])
    assertConfigError(
      Self.minimal + "\ntraining:\n  lr_decay_factor: 0\n", line: 5,
      ["training.lr_decay_factor: expected a number in (0, 1], found '0'"])
    assertConfigError(
      Self.minimal + "\ntraining:\n  lr_decay_start_epoch: -1\n", line: 5,
      ["training.lr_decay_start_epoch: expected an integer >= 0, found '-1'"])
  }

  /// Every value a shipped config writes, read by a plain YAML parser, is the value the loader
  /// gives (as stored JSON), and the stored JSON reads back to the same config.
  func testEveryShippedConfigLoadsTheValuesItWrites() throws {
    func number(_ value: Any) -> Double? {
      switch value {
      case let v as Bool: return v ? 1 : 0
      case let v as Int: return Double(v)
      case let v as UInt64: return Double(v)
      case let v as Double: return v
      case let v as NSNumber: return v.doubleValue
      default: return nil
      }
    }
    let directory = Self.root.appendingPathComponent("configs").path
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
    XCTAssertFalse(names.isEmpty)
    for name in names {
      let path = directory + "/" + name
      let config = try ExperimentConfig.load(path: path)
      let written = try XCTUnwrap(try Yams.load(yaml: String(contentsOfFile: path, encoding: .utf8)) as? [String: Any])
      let loaded = try XCTUnwrap(
        try JSONSerialization.jsonObject(with: Data(config.jsonString().utf8)) as? [String: [String: Any]])
      for (section, keys) in written {
        for (key, value) in keys as? [String: Any] ?? [:] {
          let stored = try XCTUnwrap(loaded[section]?[key], "\(name): \(section).\(key)")
          if let text = value as? String {
            XCTAssertEqual(stored as? String, text, "\(name): \(section).\(key)")
          } else {
            XCTAssertEqual(number(stored), number(value), "\(name): \(section).\(key)")
          }
        }
      }
      XCTAssertEqual(try ExperimentConfig(json: config.jsonString()), config, name)
    }
  }

  func testKeysAResumeMayChangeAreTheStoppingFilesAndLoggingOnes() {
    XCTAssertEqual(
      ResumeCheck.changeableKeys,
      [
        "training.max_steps", "training.epochs", "training.time_limit_minutes", "training.threads",
        "training.checkpoint_dir", "training.keep_last", "training.keep_best", "training.patience", "data.test",
      ])
    XCTAssertFalse(ResumeCheck.isChangeable("training.optimizer"))
    XCTAssertTrue(ResumeCheck.isChangeable("logging.probes"))
  }

  func testInvalidModelCombinationPointsAtTheKeyToChange() {
    let error = assertConfigError(
      Self.minimal + "\nmodel:\n  hidden_size: 64\n  attention: dot\n", line: 6,
      ["model.attention: 'dot' scores h_t · h̄_s", "128 wide, hidden_size 64", "set bidirectional: false"])
    if case .invalidCombination = error?.problem {} else { XCTFail("\(String(describing: error))") }
    assertConfigError(
      Self.minimal + "\nmodel:\n  attention_size: 6\n  attention_heads: 4\n", line: 6,
      ["model.attention_heads", "choose a divisor of 6"])
    assertConfigError(
      Self.minimal + "\nmodel:\n  input_feeding: true\n", line: 5,
      ["model.input_feeding", "belongs to Luong's decoder", "remove input_feeding"])
    assertConfigError(
      Self.minimal + "\nmodel:\n  attention: general\n  embedding_size: 32\n  tie_embeddings: yes\n", line: 7,
      ["model.tie_embeddings", "make them equal or set tie_embeddings: false"])
    assertConfigError(Self.minimal + "\nmodel:\n  dropout: 1\n", line: 5, ["model.dropout", "expected a number in [0, 1), found '1'"])
  }

  func testMissingRequiredKeyPointsAtItsSection() {
    let error = assertConfigError(
      """
      model:
        hidden_size: 8
      data:
        train: a.tsv
      """, line: 3, [])
    XCTAssertEqual(
      error?.description,
      "configs/test.yaml:3: missing required key 'dev' in 'data' (path to the development corpus, or set dev_size to carve one off train)")
  }

  func testRequiredKeyWithoutValuePointsAtTheKey() {
    assertConfigError("data:\n  train: a.tsv\n  dev:\n", line: 3, ["missing required key 'dev' in 'data'"])
  }

  func testMissingDataSectionIsReported() {
    assertConfigError("model:\n  hidden_size: 8\n", line: 1, ["missing required section 'data'", "data.train"])
  }

  func testDuplicateKeyIsReported() {
    assertConfigError(
      "data:\n  train: a.tsv\n  dev: b.tsv\n  train: c.tsv\n", line: 2, ["key 'train' appears more than once"])
  }

  func testEmptyFileIsReported() {
    for text in ["", "\n\n", "# just a comment\n", "---\n"] {
      let error = assertConfigError(text, line: nil, ["the config file is empty", "data.train"])
      XCTAssertEqual(error?.problem, .emptyFile)
    }
  }

  func testInvalidYAMLSyntaxReportsTheLine() {
    assertConfigError(
      Self.minimal + "\nmodel:\n  hidden_size: [1, 2\n  attention_size: 8\n", line: 6,
      ["invalid YAML (column", "while parsing a flow sequence at line 5"])
    assertConfigError(
      "data:\n  train: a.tsv\n   dev: b.tsv\n", line: 3, ["invalid YAML (column", "mapping values are not allowed"])
  }

  func testLoadReportsAMissingConfigFile() {
    XCTAssertThrowsError(try ExperimentConfig.load(path: "/nonexistent/x.yaml")) { error in
      XCTAssertEqual("\(error)", "/nonexistent/x.yaml: cannot read the config file: no such file")
    }
  }

  func testLoadNamesTheFileInErrors() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attend-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("bad.yaml").path
    try (Self.minimal + "\nmodel:\n  hiden_size: 4\n").write(toFile: path, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ExperimentConfig.load(path: path)) { error in
      XCTAssertTrue("\(error)".hasPrefix("\(path):5: unknown key 'hiden_size'"), "\(error)")
    }
  }

  // MARK: validateFiles

  func testValidateFilesNamesTheKeyAndPathOfAMissingFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attend-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.tsv").path
    let dev = dir.appendingPathComponent("dev.tsv").path
    let align = dir.appendingPathComponent("dev.align").path
    for path in [train, dev] { try "a\tb\n".write(toFile: path, atomically: true, encoding: .utf8) }
    var config = try parse("data:\n  train: \(train)\n  dev: \(dev)\n")
    XCTAssertNoThrow(try config.validateFiles())

    config.data.devAlignments = align
    XCTAssertThrowsError(try config.validateFiles()) { error in
      XCTAssertEqual("\(error)", "data.dev_alignments: no such file '\(align)'")
    }
    config.data.devAlignments = nil
    config.data.test = "missing/test.tsv"
    XCTAssertThrowsError(try config.validateFiles()) { error in
      XCTAssertTrue("\(error)".hasPrefix("data.test: no such file 'missing/test.tsv' (relative paths"), "\(error)")
    }
    config.data.test = dir.path  // a directory is not a corpus
    XCTAssertThrowsError(try config.validateFiles())
  }

  // MARK: Edit distance

  func testEditDistanceCountsAdjacentSwapsAsOneEdit() {
    XCTAssertEqual(editDistance("hiden_size", "hidden_size"), 1)
    XCTAssertEqual(editDistance("modle", "model"), 1)
    XCTAssertEqual(editDistance("", "abc"), 3)
    XCTAssertEqual(editDistance("kitten", "sitting"), 3)
    XCTAssertEqual(closestName(to: "lerning_rate", among: TrainingConfig.fileKeys.map(\.name)), "learning_rate")
    XCTAssertNil(closestName(to: "scheduler", among: TrainingConfig.fileKeys.map(\.name)))
  }
}
