// attend-log-writer: a test helper that writes to a training log as fast as it can until it is
// killed. TrainingLogCrashTests SIGKILLs it part-way through and then checks that the database
// opens consistent (every transaction all or nothing) and that the run is marked interrupted.
//
// Usage: attend-log-writer DATABASE STEP_BATCH_SIZE
// Writes, per cycle: STEP_BATCH_SIZE step rows (one transaction, via the step buffer), then one
// evaluation and a 24 × 24 alignment for each of two probes (one transaction each). Prints
// "ready" on standard output once the first cycle is committed, so the killer knows that writes
// are under way.
import AttendStorage
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let batchSize = Int(arguments[2]), batchSize > 0 else {
  FileHandle.standardError.write(Data("usage: attend-log-writer DATABASE STEP_BATCH_SIZE\n".utf8))
  exit(2)
}

do {
  let log = try TrainingLog(path: arguments[1], stepBatchSize: batchSize)
  let runID = try log.startRun(
    name: "crash", configJSON: "{}", seed: 1, sourceVocabularySize: 24, targetVocabularySize: 24,
    trainPairs: 1, blas: "none")
  let tokens = (0..<24).map { "w\($0)" }
  try log.logProbes(runID: runID, probes: [(tokens, tokens), (tokens, tokens)])
  let weights = [Float](repeating: 1.0 / 24, count: 24 * 24)
  var step = 0
  var announced = false
  while true {
    for _ in 0..<batchSize {
      step += 1
      try log.logStep(
        StepRecord(
          runID: runID, step: step, epoch: 0, loss: 1, perplexity: 2.7, learningRate: 1e-3,
          gradNorm: 1, tokensPerSecond: 1, elapsedSeconds: Double(step)))
    }
    try log.logEvaluation(
      runID: runID, step: step, devLoss: 1, bleu: Double(step % 100), bleuSignature: "s",
      elapsedSeconds: Double(step), chrF: 50, aer: 0.5)
    for probe in 0..<2 {
      try log.logAlignment(
        runID: runID, step: step, probe: probe, sourceTokens: tokens, targetTokens: tokens,
        weights: weights)
    }
    if !announced {
      FileHandle.standardOutput.write(Data("ready\n".utf8))  // one write: the reader sees it whole
      announced = true
    }
  }
} catch {
  FileHandle.standardError.write(Data("attend-log-writer: \(error)\n".utf8))
  exit(1)
}
