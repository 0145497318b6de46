import AttendModel
import AttendSearch
import XCTest

@testable import AttendCLI

/// `--attention-temperature` and `--hard-attention` (shared by translate and eval) override the
/// checkpoint's decoding settings, and only when given.
final class AttentionFlagsTests: XCTestCase {
  static func model(decodingTemperature: Double = 1, hard: Bool = false) -> Seq2Seq {
    var config = ModelConfig()
    config.embeddingSize = 4
    config.hiddenSize = 4
    config.attentionSize = 4
    config.sourceVocabularySize = 6
    config.targetVocabularySize = 6
    config.decodingTemperature = decodingTemperature
    config.hardAttention = hard
    return Seq2Seq(config: config, seed: 1)
  }

  func testAttentionFlagsOverrideTheModelsDecodingMode() throws {
    let command = try XCTUnwrap(
      try AttendCommand.parseAsRoot([
        "translate", "--checkpoint", "x.ckpt", "--attention-temperature", "0.25", "--hard-attention",
      ]) as? TranslateCommand)
    let model = Self.model()
    XCTAssertEqual(command.search.options().attentionMode(for: model.config), AttentionMode(temperature: 0.25, hard: true))
  }

  func testWithoutFlagsTheCheckpointsDecodingSettingsStay() throws {
    let command = try XCTUnwrap(try AttendCommand.parseAsRoot(["eval", "--checkpoint", "x.ckpt", "--pairs", "dev.tsv"]) as? EvalCommand)
    let model = Self.model(decodingTemperature: 2, hard: true)
    XCTAssertEqual(command.search.options().attentionMode(for: model.config), AttentionMode(temperature: 2, hard: true))
    let soft = try XCTUnwrap(
      try AttendCommand.parseAsRoot(["translate", "--checkpoint", "x.ckpt", "--no-hard-attention"]) as? TranslateCommand)
    XCTAssertEqual(soft.search.options().attentionMode(for: model.config), AttentionMode(temperature: 2, hard: false))
  }

  func testAttentionTemperatureMustBePositive() {
    XCTAssertThrowsError(
      try AttendCommand.parseAsRoot(["translate", "--checkpoint", "x.ckpt", "--attention-temperature", "0"])
    ) { error in
      let message = AttendCommand.message(for: error)
      XCTAssertTrue(message.contains("--attention-temperature must be a number > 0"), message)
    }
  }
}
