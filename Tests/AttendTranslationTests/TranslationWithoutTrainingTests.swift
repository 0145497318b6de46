import AttendCheckpoint
import AttendKernels
import AttendModel
import AttendSearch
import AttendTranslation
import XCTest

/// `attend translate` needs nothing of training: this target depends on AttendTranslation and
/// AttendCheckpoint only (Package.swift), so it would not build if either imported AttendTraining,
/// and it translates with a real checkpoint.
final class TranslationWithoutTrainingTests: XCTestCase {
  /// A version 1 checkpoint of a tiny model trained on the reverse task (AttendTrainingTests).
  static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("AttendTrainingTests/Fixtures/v1-tiny-model.bin").path

  func testATrainedCheckpointTranslatesThroughTheTranslationModuleAlone() throws {
    try BLAS.load()
    let loaded = try ModelCheckpoint.load(from: Self.checkpoint)
    let translator = Translator(loaded: loaded, options: SearchOptions(beamSize: 1), replaceUnknown: false)
    let results = translator.translate(["1 2 3", ""])
    XCTAssertEqual(results.count, 2)
    XCTAssertEqual(results[0].sourceTokens, ["1", "2", "3"])
    XCTAssertEqual(results[0].hypotheses.count, 1)
    let best = try XCTUnwrap(results[0].hypotheses.first)
    XCTAssertEqual(best.attention.count, best.modelTokens.count, "one attention row per output token and </s>")
    XCTAssertTrue(best.attention.allSatisfy { $0.count == 3 })
    XCTAssertEqual(results[1].text, "", "an empty line gives an empty translation")
  }
}
