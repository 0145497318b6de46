import ArgumentParser
import AttendData

struct CorpusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "corpus",
    abstract: "Generate the toy corpora that ship in corpora/.",
    subcommands: [Generate.self])

  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write train/dev/test pairs and gold alignments (Pharaoh format) for a toy task.")

    @Argument(help: "The task: \(ToyTask.allCases.map(\.rawValue).joined(separator: ", ")).")
    var task: String

    @Option(help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 1

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Training pairs.") var trainCount: Int = ToyCorpus.defaultTrainCount
    @Option(help: "Dev pairs.") var devCount: Int = ToyCorpus.defaultDevCount
    @Option(help: "Test pairs.") var testCount: Int = ToyCorpus.defaultTestCount
    @Option(help: "Shortest sentence, in tokens.") var minLength: Int = ToyCorpus.defaultMinLength
    @Option(help: "Longest sentence, in tokens.") var maxLength: Int = ToyCorpus.defaultMaxLength
    @Option(help: "Number of distinct words.") var vocabularySize: Int = ToyCorpus.defaultVocabularySize

    func validate() throws {
      guard ToyTask(rawValue: task) != nil else {
        throw ValidationError(
          "unknown task '\(task)'; valid tasks: \(ToyTask.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      guard minLength >= 1, maxLength >= minLength else {
        throw ValidationError("need 1 ≤ --min-length ≤ --max-length (got \(minLength) and \(maxLength))")
      }
      guard vocabularySize >= 1 else { throw ValidationError("--vocabulary-size must be at least 1") }
      guard trainCount >= 0, devCount >= 0, testCount >= 0 else {
        throw ValidationError("pair counts cannot be negative")
      }
      // Dev and test must be distinct sentences not in train: there must be enough of them.
      var distinct = 0.0
      for n in minLength...maxLength {
        distinct += Foundation.pow(Double(vocabularySize), Double(n))
        if distinct > 1e12 { break }
      }
      guard distinct >= Double(2 * (devCount + testCount)) else {
        throw ValidationError(
          "only \(Int(distinct)) distinct sentences exist for these lengths and vocabulary; "
            + "dev and test need \(devCount + testCount) unseen ones: raise --vocabulary-size or --max-length")
      }
    }

    func run() throws {
      try reportingErrors {
        let corpus = ToyCorpus.generate(
          task: ToyTask(rawValue: task)!, seed: seed, trainCount: trainCount, devCount: devCount,
          testCount: testCount, minLength: minLength, maxLength: maxLength, vocabularySize: vocabularySize)
        try corpus.write(to: out)
        print("wrote \(out): \(trainCount) train, \(devCount) dev, \(testCount) test pairs with gold alignments")
      }
    }
  }
}

import Foundation
