import AttendKernels
import Foundation

/// A synthetic task whose correct output is known exactly, for testing the whole pipeline.
public enum ToyTask: String, CaseIterable, Sendable {
  /// The target is the source reversed (JoeyNMT's reverse task): target word j is source word
  /// n-1-j, so the gold attention is the anti-diagonal.
  case reverse
}

/// A generated toy corpus with train, dev and test splits and gold word alignments.
///
/// Sources are random integer tokens written in decimal ("0" … "V-1"), with lengths uniform in
/// `minLength...maxLength`. Everything is drawn from one `RandomGenerator` seeded with `seed`, so
/// the same arguments always give the same corpus. Dev and test sentences never occur in train
/// nor in each other (a colliding draw is discarded and redrawn); train may repeat sentences.
public struct ToyCorpus: Sendable {
  public var task: ToyTask
  public var seed: UInt64
  public var minLength: Int
  public var maxLength: Int
  public var vocabularySize: Int
  public var train: [SentencePair]
  public var dev: [SentencePair]
  public var test: [SentencePair]
  /// Gold alignments, one per pair of the split, in the same order.
  public var trainAlignments: [[AlignmentLink]]
  public var devAlignments: [[AlignmentLink]]
  public var testAlignments: [[AlignmentLink]]

  /// Defaults of `generate`, which `commandLine` leaves out of the command it prints.
  public static let defaultTrainCount = 20000
  public static let defaultDevCount = 500
  public static let defaultTestCount = 500
  public static let defaultMinLength = 2
  public static let defaultMaxLength = 12
  public static let defaultVocabularySize = 50

  /// Generates the corpus for `task`, deterministically for `seed`.
  ///
  /// Requires `1 ≤ minLength ≤ maxLength`, `vocabularySize ≥ 1`, non-negative counts, and enough
  /// distinct sentences for the held-out splits; callers taking these from users should check them.
  public static func generate(
    task: ToyTask, seed: UInt64, trainCount: Int = defaultTrainCount,
    devCount: Int = defaultDevCount, testCount: Int = defaultTestCount,
    minLength: Int = defaultMinLength, maxLength: Int = defaultMaxLength,
    vocabularySize: Int = defaultVocabularySize
  ) -> ToyCorpus {
    precondition(minLength >= 1 && minLength <= maxLength, "need 1 ≤ minLength ≤ maxLength")
    precondition(vocabularySize >= 1, "need at least one word")
    precondition(trainCount >= 0 && devCount >= 0 && testCount >= 0, "counts must be ≥ 0")
    var rng = RandomGenerator(seed: seed)

    func randomSource() -> [String] {
      let n = minLength + rng.nextInt(below: maxLength - minLength + 1)
      return (0..<n).map { _ in String(rng.nextInt(below: vocabularySize)) }
    }

    let train = (0..<trainCount).map { _ in randomSource() }
    var seen = Set(train)
    func heldOut(_ count: Int) -> [[String]] {
      var sources: [[String]] = []
      var rejectedInARow = 0
      while sources.count < count {
        let source = randomSource()
        if seen.insert(source).inserted {
          sources.append(source)
          rejectedInARow = 0
        } else {
          rejectedInARow += 1
          precondition(
            rejectedInARow < 1_000_000,
            "too few distinct sentences (vocabulary \(vocabularySize), lengths "
              + "\(minLength)…\(maxLength)) for held-out splits disjoint from train")
        }
      }
      return sources
    }
    let dev = heldOut(devCount)
    let test = heldOut(testCount)

    func pairs(_ sources: [[String]]) -> [SentencePair] {
      sources.map { SentencePair(source: $0, target: target(task: task, source: $0)) }
    }
    func alignments(_ sources: [[String]]) -> [[AlignmentLink]] {
      sources.map { goldAlignment(task: task, sourceLength: $0.count) }
    }
    return ToyCorpus(
      task: task, seed: seed, minLength: minLength, maxLength: maxLength,
      vocabularySize: vocabularySize, train: pairs(train), dev: pairs(dev), test: pairs(test),
      trainAlignments: alignments(train), devAlignments: alignments(dev),
      testAlignments: alignments(test))
  }

  /// The correct target for `source`.
  public static func target(task: ToyTask, source: [String]) -> [String] {
    switch task {
    case .reverse: return source.reversed()
    }
  }

  /// The gold alignment of a source of `sourceLength` words, sorted by source index.
  public static func goldAlignment(task: ToyTask, sourceLength n: Int) -> [AlignmentLink] {
    switch task {
    case .reverse:
      return (0..<n).map { AlignmentLink(source: $0, target: n - 1 - $0, sure: true) }
    }
  }

  /// The `attend` command that recreates this corpus in `directory`; options at their defaults
  /// are left out.
  public func commandLine(directory: String) -> String {
    var parts = ["attend", "corpus", "generate", task.rawValue, "--seed", String(seed)]
    let options: [(String, Int, Int)] = [
      ("--train-count", train.count, Self.defaultTrainCount),
      ("--dev-count", dev.count, Self.defaultDevCount),
      ("--test-count", test.count, Self.defaultTestCount),
      ("--min-length", minLength, Self.defaultMinLength),
      ("--max-length", maxLength, Self.defaultMaxLength),
      ("--vocabulary-size", vocabularySize, Self.defaultVocabularySize),
    ]
    for (flag, value, defaultValue) in options where value != defaultValue {
      parts += [flag, String(value)]
    }
    parts += ["--out", directory]
    return parts.joined(separator: " ")
  }

  /// Writes train/dev/test `.tsv` and `.align` (Pharaoh) files and a README.md describing how the
  /// corpus was made into `directory`, creating it if needed.
  public func write(to directory: String) throws {
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw DataError.unwritableFile(path: directory, reason: error.localizedDescription)
    }
    let url = URL(fileURLWithPath: directory)
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    for (name, pairs, alignments) in [
      ("train", train, trainAlignments), ("dev", dev, devAlignments), ("test", test, testAlignments),
    ] {
      try ParallelCorpus.writeTSV(pairs, path: path("\(name).tsv"))
      try PharaohFormat.write(alignments, path: path("\(name).align"))
    }
    try TextFile.writeLines([readme(directory: directory)], path: path("README.md"))
  }

  private func readme(directory: String) -> String {
    """
    # Toy corpus: \(task.rawValue)

    Generated by Attend (`ToyCorpus.generate`); do not edit by hand. Recreate it with:

        \(commandLine(directory: directory))

    - Task: `\(task.rawValue)`: the target is the source sentence reversed.
    - Seed: \(seed) (xoshiro256**, Attend's `RandomGenerator`).
    - Pairs: \(train.count) train, \(dev.count) dev, \(test.count) test.
    - Source length: uniform in \(minLength)…\(maxLength) tokens.
    - Words: the integers 0…\(vocabularySize - 1) written in decimal, drawn uniformly.
    - Dev and test sentences occur neither in train nor in each other; train may repeat sentences.

    Files:

    - `train.tsv`, `dev.tsv`, `test.tsv`: one pair per line, `source<TAB>target`, tokens separated
      by single spaces.
    - `train.align`, `dev.align`, `test.align`: the gold word alignment of each pair, line by
      line, in Pharaoh format (`i-j` links source word i to target word j, 0-based). For the
      reverse task, target word j is source word n-1-j.
    """
  }
}
