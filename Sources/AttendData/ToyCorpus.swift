import AttendKernels
import Foundation

/// A synthetic task whose correct output, and whose word alignment, is known exactly: the whole
/// pipeline can be tested on it, and attention can be scored against the gold alignment.
public enum ToyTask: String, CaseIterable, Sendable {
  /// The target is the source (the alignment is the diagonal).
  case copy
  /// The target is the source reversed (JoeyNMT's reverse task): target word j is source word
  /// n-1-j, so the gold attention is the anti-diagonal.
  case reverse
  /// The target is the source's numbers in ascending order: attention must find, at each step,
  /// the smallest number not yet written, wherever it is.
  case sort
  /// A date written one of eight ways (`March 5 , 2021`, `the 5th of March 2021`,
  /// `03 / 05 / 2021`, …) → its ISO form `2021 - 03 - 05`; fields move, filler words align to
  /// nothing.
  case dates
  /// An English number in words (`three hundred and forty two thousand …`) → its digits, one
  /// token each; teens give one word two digits, zeros come from `hundred`/`thousand`.
  case numbers
  /// A small grammar-generated English → toy French pair: determiner–noun–adjective agreement,
  /// adjectives after their noun (stacked ones in mirror order), object pronouns before the verb,
  /// `ne … pas` negation, varying lengths. The alignment is not monotonic.
  case toyFrench = "toy-fr"

  /// Whether `minLength`, `maxLength` and `vocabularySize` shape the task (the random-number
  /// sequence tasks); the others are fixed grammars.
  public var usesSequenceOptions: Bool {
    switch self {
    case .copy, .reverse, .sort: return true
    case .dates, .numbers, .toyFrench: return false
    }
  }

  /// A function that draws one example of the task from a generator.
  func makeSampler(minLength: Int, maxLength: Int, vocabularySize: Int)
    -> (inout RandomGenerator) -> ToyExample
  {
    switch self {
    case .copy, .reverse, .sort:
      return { rng in
        let n = minLength + rng.nextInt(below: maxLength - minLength + 1)
        let source = (0..<n).map { _ in String(rng.nextInt(below: vocabularySize)) }
        return ToySequences.example(task: self, source: source)
      }
    case .dates: return ToyDates.sample
    case .numbers: return ToyNumbers.sample
    case .toyFrench: return ToyFrench.sample
    }
  }
}

/// One generated pair with its gold alignment (links sorted by source, then target index).
public struct ToyExample: Equatable, Sendable {
  public var source: [String]
  public var target: [String]
  public var alignment: [AlignmentLink]
}

/// A generated toy corpus with train, dev and test splits and gold word alignments.
///
/// Everything is drawn from one `RandomGenerator` seeded with `seed`, so the same arguments always
/// give the same corpus. Dev and test sentences never occur in train nor in each other (a colliding
/// source is discarded and redrawn); train may repeat sentences. For copy, reverse and sort, sources
/// are random integer tokens written in decimal ("0" … "V-1"), with lengths uniform in
/// `minLength...maxLength`; the other tasks are fixed grammars (see `ToyTask`).
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
  /// distinct sentences for the held-out splits; callers taking these from users should check them
  /// (`distinctSourceBound`).
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
    let sample = task.makeSampler(
      minLength: minLength, maxLength: maxLength, vocabularySize: vocabularySize)

    let train = (0..<trainCount).map { _ in sample(&rng) }
    var seen = Set(train.map(\.source))
    func heldOut(_ count: Int) -> [ToyExample] {
      var examples: [ToyExample] = []
      var rejectedInARow = 0
      while examples.count < count {
        let example = sample(&rng)
        if seen.insert(example.source).inserted {
          examples.append(example)
          rejectedInARow = 0
        } else {
          rejectedInARow += 1
          precondition(
            rejectedInARow < 1_000_000,
            "too few distinct sentences for held-out splits disjoint from train")
        }
      }
      return examples
    }
    let dev = heldOut(devCount)
    let test = heldOut(testCount)

    func pairs(_ examples: [ToyExample]) -> [SentencePair] {
      examples.map { SentencePair(source: $0.source, target: $0.target) }
    }
    return ToyCorpus(
      task: task, seed: seed, minLength: minLength, maxLength: maxLength,
      vocabularySize: vocabularySize, train: pairs(train), dev: pairs(dev), test: pairs(test),
      trainAlignments: train.map(\.alignment), devAlignments: dev.map(\.alignment),
      testAlignments: test.map(\.alignment))
  }

  /// An upper bound on the distinct sources of a sequence task (capped at 10¹²), for checking
  /// that dev and test can be disjoint from train; nil for the grammar tasks, whose sentence
  /// spaces are far larger than any sensible corpus.
  public static func distinctSourceBound(
    task: ToyTask, minLength: Int, maxLength: Int, vocabularySize: Int
  ) -> Double? {
    guard task.usesSequenceOptions else { return nil }
    var distinct = 0.0
    for n in minLength...maxLength {
      distinct += Foundation.pow(Double(vocabularySize), Double(n))
      if distinct > 1e12 { return 1e12 }
    }
    return distinct
  }

  /// The correct target for a source of a sequence task (copy, reverse, sort).
  public static func target(task: ToyTask, source: [String]) -> [String] {
    ToySequences.example(task: task, source: source).target
  }

  /// The `attend` command that recreates this corpus in `directory`; options at their defaults
  /// (and options the task does not use) are left out.
  public func commandLine(directory: String) -> String {
    var parts = ["attend", "corpus", "generate", task.rawValue, "--seed", String(seed)]
    var options: [(String, Int, Int)] = [
      ("--train-count", train.count, Self.defaultTrainCount),
      ("--dev-count", dev.count, Self.defaultDevCount),
      ("--test-count", test.count, Self.defaultTestCount),
    ]
    if task.usesSequenceOptions {
      options += [
        ("--min-length", minLength, Self.defaultMinLength),
        ("--max-length", maxLength, Self.defaultMaxLength),
        ("--vocabulary-size", vocabularySize, Self.defaultVocabularySize),
      ]
    }
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
    let shape: String
    switch task {
    case .copy, .reverse, .sort:
      shape = """
        - Source length: uniform in \(minLength)…\(maxLength) tokens.
        - Words: the integers 0…\(vocabularySize - 1) written in decimal, drawn uniformly.
        """
    case .dates, .numbers, .toyFrench:
      shape = "- Sentences: drawn from the grammar below."
    }
    return """
      # Toy corpus: \(task.rawValue)

      Generated by Attend (`ToyCorpus.generate`); do not edit by hand. Recreate it with:

          \(commandLine(directory: directory))

      - Seed: \(seed) (xoshiro256**, Attend's `RandomGenerator`).
      - Pairs: \(train.count) train, \(dev.count) dev, \(test.count) test.
      \(shape)
      - Dev and test sources occur neither in train nor in each other; train may repeat sentences.

      ## The task

      \(ToyCorpus.taskDescription(task))

      ## Files

      - `train.tsv`, `dev.tsv`, `test.tsv`: one pair per line, `source<TAB>target`, tokens separated
        by single spaces.
      - `train.align`, `dev.align`, `test.align`: the gold word alignment of each pair, line by
        line, in Pharaoh format: `i-j` is a sure link and `i?j` a possible link from source word i
        to target word j (0-based). A word with no link has no counterpart.
      """
  }

  /// What the task is and how its gold alignment is defined, for the corpus README.
  static func taskDescription(_ task: ToyTask) -> String {
    switch task {
    case .copy:
      return "The target is the source. Target word j is source word j: sure links `j-j`."
    case .reverse:
      return """
        The target is the source sentence reversed: target word j is source word n-1-j (sure
        links), so the gold attention is the anti-diagonal.
        """
    case .sort:
      return """
        The target is the source's numbers sorted in ascending numeric order (duplicates kept).
        A number that occurs once in the sentence has a sure link from its source position to its
        target position. A number that occurs k > 1 times has possible links between each of its k
        source positions and each of its k target positions: any of them is a correct origin.
        """
    case .dates:
      return ToyDates.description
    case .numbers:
      return ToyNumbers.description
    case .toyFrench:
      return ToyFrench.description
    }
  }
}

/// Accumulates one toy pair: source words first, then target words with their links to the
/// source positions they translate.
struct ToyExampleBuilder {
  var source: [String] = []
  var target: [String] = []
  var links: Set<AlignmentLink> = []

  /// Appends a source word and returns its position.
  @discardableResult
  mutating func source(_ word: String) -> Int {
    source.append(word)
    return source.count - 1
  }

  /// Appends source words and returns their positions.
  @discardableResult
  mutating func source(_ words: [String]) -> [Int] {
    words.map { source($0) }
  }

  /// Appends a target word linked surely to the `sure` and possibly to the `possible` source
  /// positions.
  mutating func target(_ word: String, sure: [Int] = [], possible: [Int] = []) {
    let j = target.count
    target.append(word)
    for i in sure { links.insert(AlignmentLink(source: i, target: j, sure: true)) }
    for i in possible where !sure.contains(i) {
      links.insert(AlignmentLink(source: i, target: j, sure: false))
    }
  }

  var example: ToyExample {
    let sorted = links.sorted { ($0.source, $0.target) < ($1.source, $1.target) }
    return ToyExample(source: source, target: target, alignment: sorted)
  }
}

/// Copy, reverse and sort over random integer tokens.
enum ToySequences {
  static func example(task: ToyTask, source: [String]) -> ToyExample {
    let n = source.count
    var builder = ToyExampleBuilder()
    builder.source(source)
    switch task {
    case .copy:
      for i in 0..<n { builder.target(source[i], sure: [i]) }
    case .reverse:
      for j in 0..<n { builder.target(source[n - 1 - j], sure: [n - 1 - j]) }
    case .sort:
      // Numeric order; equal numbers keep their source order (any order gives the same text).
      let order = (0..<n).sorted { a, b in
        let (x, y) = (Int(source[a]) ?? 0, Int(source[b]) ?? 0)
        return x != y ? x < y : a < b
      }
      var positions: [String: [Int]] = [:]
      for i in 0..<n { positions[source[i], default: []].append(i) }
      for i in order {
        let same = positions[source[i]]!
        if same.count == 1 {
          builder.target(source[i], sure: [i])
        } else {
          builder.target(source[i], possible: same)
        }
      }
    case .dates, .numbers, .toyFrench:
      preconditionFailure("\(task.rawValue) is not a sequence task")
    }
    return builder.example
  }
}
