import AttendData
import AttendModel
import XCTest

@testable import AttendCheckpoint
@testable import AttendTraining

/// `TrainingState` and `CheckpointHeader` list their coding keys by hand (to keep `best_bleu` on
/// disk for `bleuAtBest`), so a field added without a key would silently not be saved: every
/// stored property must have one.
final class StoredKeysTests: XCTestCase {
  /// The stored properties' names, as their coding keys spell them (`bleuAtBest` keeps its old key).
  private func propertyNames(_ value: Any) -> Set<String> {
    Set(Mirror(reflecting: value).children.compactMap(\.label).map { $0 == "bleuAtBest" ? "bestBLEU" : $0 })
  }

  func testEveryTrainingStateFieldIsWrittenToCheckpoints() {
    let state = TrainingState(
      batcher: BatcherState(epoch: 0, position: 0, randomState: [0, 0, 0, 0], batches: []), randomState: [0, 0, 0, 0],
      learningRate: 0)
    XCTAssertEqual(Set(TrainingState.CodingKeys.allCases.map(\.stringValue)), propertyNames(state))
  }

  func testEveryCommonHeaderFieldIsWrittenToCheckpoints() {
    let header = CheckpointHeader(
      model: ModelConfig(), sourceVocabulary: Vocabulary.build(from: [["a"]]), targetVocabulary: Vocabulary.build(from: [["a"]]),
      runName: "", step: 0, epoch: 0, devBLEU: nil, bleuAtBest: nil, createdAt: "")
    XCTAssertEqual(Set(CheckpointHeader.CodingKeys.allCases.map(\.stringValue)), propertyNames(header))
  }
}
