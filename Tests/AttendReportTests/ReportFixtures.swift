import AttendStorage
import Foundation
import XCTest

@testable import AttendReport

extension XCTestCase {
  /// A fresh directory for this test, removed when the test ends.
  func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("attend-report-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
  }

  /// A small attention matrix whose tokens need escaping: "<unk> & co" over three source words.
  func sampleAlignment() -> AlignmentRecord {
    AlignmentRecord(
      runID: 1, step: 200, probe: 0, sourceTokens: ["le", "chat", "noir"], targetTokens: ["the", "<unk>", "&", "</s>"],
      weights: [
        0.9, 0.05, 0.05,
        0.1, 0.2, 0.7,
        0.0, 0.6, 0.4,
        0.34, 0.33, 0.33,
      ])
  }

  /// A training log with one run, "toy", of two evaluations with alignments for two probes.
  func makeToyLog() throws -> TrainingLog {
    let log = try TrainingLog(path: try makeTemporaryDirectory() + "/attend.sqlite")
    let runID = try log.startRun(
      name: "toy", configJSON: #"{"model":{"hidden_size":8}}"#, seed: 1, sourceVocabularySize: 10,
      targetVocabularySize: 10, trainPairs: 100, blas: "none", devPairs: 10)
    try log.logProbes(runID: runID, probes: [(["a", "b"], ["b", "a"]), (["c", "</script>"], ["x"])])
    for (k, step) in [100, 200].enumerated() {
      for s in stride(from: step - 90, through: step, by: 10) {
        try log.logStep(
          StepRecord(
            runID: runID, step: s, epoch: 0, loss: 3 - Double(s) / 100, perplexity: 1, learningRate: 1e-3,
            gradNorm: 1, tokensPerSecond: 1000, elapsedSeconds: Double(s) / 10))
      }
      try log.logEvaluation(
        runID: runID, step: step, devLoss: 2 - Double(k), bleu: 40 + 30 * Double(k), bleuSignature: "nrefs:1",
        elapsedSeconds: Double(step) / 10, chrF: 50 + 20 * Double(k), aer: 0.5 - 0.3 * Double(k))
      let sharp = Float(0.5 + 0.4 * Double(k))
      try log.logAlignment(
        runID: runID, step: step, probe: 0, sourceTokens: ["a", "b"], targetTokens: ["b", "a", "</s>"],
        weights: [1 - sharp, sharp, sharp, 1 - sharp, 0.5, 0.5])
      try log.logAlignment(
        runID: runID, step: step, probe: 1, sourceTokens: ["c", "</script>"], targetTokens: ["x", "</s>"],
        weights: [0.5, 0.5, 0.5, 0.5])
    }
    try log.finishRun(runID: runID, status: .completed, finalStep: 200, bestBLEU: nil)
    return log
  }
}
