import ArgumentParser
import AttendCheckpoint
import AttendData
import AttendTraining
import Foundation

extension BadLinePolicy: ExpressibleByArgument {}

/// `attend corpus`: the data side from the command line (docs/data.md).
struct CorpusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "corpus",
    abstract: "Generate the toy corpora; check, split and tokenise real ones.",
    subcommands: [Generate.self, Stats.self, Split.self, Tokenize.self])

  // MARK: generate

  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write train/dev/test pairs and gold alignments (Pharaoh format) for a toy task.",
      discussion: """
        Writes DIR/{train,dev,test}.tsv (source<TAB>target), DIR/{train,dev,test}.align (the gold
        word alignment of each pair: i-j sure, i?j possible, 0-based, source index first) and
        DIR/README.md (the task and the command that recreates the files). The same arguments
        always write the same files. --min-length, --max-length and --vocabulary-size shape the
        copy, reverse and sort tasks; the other tasks are grammars and refuse them.
        """)

    @Argument(help: "The task: \(ToyTask.allCases.map(\.rawValue).joined(separator: ", ")).")
    var taskName: String

    /// The task named; `validate()` has checked the name.
    private var task: ToyTask { ToyTask(rawValue: taskName) ?? .reverse }

    @Option(help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 1

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Training pairs.") var trainCount: Int = ToyCorpus.defaultTrainCount
    @Option(help: "Dev pairs.") var devCount: Int = ToyCorpus.defaultDevCount
    @Option(help: "Test pairs.") var testCount: Int = ToyCorpus.defaultTestCount
    @Option(help: "Shortest sentence in tokens (copy, reverse, sort; default \(ToyCorpus.defaultMinLength)).")
    var minLength: Int?
    @Option(help: "Longest sentence in tokens (copy, reverse, sort; default \(ToyCorpus.defaultMaxLength)).")
    var maxLength: Int?
    @Option(help: "Number of distinct words (copy, reverse, sort; default \(ToyCorpus.defaultVocabularySize)).")
    var vocabularySize: Int?

    func validate() throws {
      guard ToyTask(rawValue: taskName) != nil else {
        throw ValidationError(
          "unknown task '\(taskName)'; valid tasks: \(ToyTask.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      if !task.usesSequenceOptions {
        for (flag, value) in [("--min-length", minLength), ("--max-length", maxLength), ("--vocabulary-size", vocabularySize)]
        where value != nil {
          throw ValidationError("\(flag) shapes the copy, reverse and sort tasks; \(task.rawValue) is a fixed grammar: remove it")
        }
      }
      let (minimum, maximum, words) = lengths
      guard minimum >= 1, maximum >= minimum else {
        throw ValidationError("need 1 ≤ --min-length ≤ --max-length (got \(minimum) and \(maximum))")
      }
      guard words >= 1 else { throw ValidationError("--vocabulary-size must be at least 1") }
      guard trainCount >= 0, devCount >= 0, testCount >= 0 else {
        throw ValidationError("pair counts cannot be negative")
      }
      // Dev and test must be distinct sentences not in train: there must be enough of them.
      if let distinct = ToyCorpus.distinctSourceBound(
        task: task, minLength: minimum, maxLength: maximum, vocabularySize: words),
        distinct < Double(2 * (devCount + testCount))
      {
        throw ValidationError(
          "only \(Int(distinct)) distinct sentences exist for these lengths and vocabulary; "
            + "dev and test need \(devCount + testCount) unseen ones: raise --vocabulary-size or --max-length")
      }
    }

    private var lengths: (Int, Int, Int) {
      (
        minLength ?? ToyCorpus.defaultMinLength, maxLength ?? ToyCorpus.defaultMaxLength,
        vocabularySize ?? ToyCorpus.defaultVocabularySize
      )
    }

    func run() throws {
      try reportingErrors {
        let (minimum, maximum, words) = lengths
        let corpus = ToyCorpus.generate(
          task: task, seed: seed, trainCount: trainCount, devCount: devCount, testCount: testCount,
          minLength: minimum, maxLength: maximum, vocabularySize: words)
        try corpus.write(to: out)
        print("wrote \(out): \(trainCount) train, \(devCount) dev, \(testCount) test pairs with gold alignments")
      }
    }
  }

  // MARK: stats

  struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Prepare the data of a config as training would, and report what each stage did.",
      discussion: """
        Reads train, dev and test as the config's data section says (TSV or parallel files, bad
        lines as errors or counted skips), carves dev/test off train if asked, tokenises, learns
        the subword merges, applies the length filter and builds the vocabularies, then prints
        the counts: lines read and skipped by reason, pairs dropped by the length filter by
        reason, merges learned, vocabulary sizes and <unk> rates. Nothing is trained or written.
        """)

    @Option(name: .shortAndLong, help: "Path of the YAML experiment config.")
    var config: String

    @Flag(help: "Also print every count as `name value`, one per line (the names a run logs).")
    var counts = false

    func run() throws {
      try reportingErrors {
        let experiment = try ExperimentConfig.load(path: config)
        try experiment.validateFiles()
        let data = try TrainingData(config: experiment.data)
        for line in data.report.lines { print(line) }
        func mean(_ lengths: [Int]) -> String {
          String(format: "%.1f", Double(lengths.reduce(0, +)) / Double(max(1, lengths.count)))
        }
        print(
          "ready: \(data.train.count) training pairs (mean length \(mean(data.train.map(\.source.count))) source, "
            + "\(mean(data.train.map(\.target.count))) target tokens), \(data.dev.count) dev pairs")
        if counts {
          for (name, value) in data.report.counts.sorted(by: { $0.key < $1.key }) { print("\(name) \(value)") }
        }
      }
    }
  }

  // MARK: split

  struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Carve dev and test sets off a corpus, deterministically, and write the three splits.",
      discussion: """
        The split is the one a config makes with data.dev_size, data.test_size and
        data.split_seed: pairs whose source sentences are equal up to case, Unicode variants and
        spacing stay together; groups are shuffled with the seed; dev then test are filled with
        whole groups. A TSV input gives OUT/{train,dev,test}.tsv (source<TAB>target); parallel
        files give OUT/{train,dev,test}.EXT for the extension of each input (train.en, train.fr).
        Text is written as read.
        """)

    @Option(help: "The corpus: a TSV file, or the source side of parallel files (with --target).")
    var input: String

    @Option(help: "The target side of parallel files (Moses style).")
    var target: String?

    @Option(help: "TSV column of the source side (0-based).") var sourceColumn = 0
    @Option(help: "TSV column of the target side (0-based).") var targetColumn = 1
    @Option(help: "Pairs carved off as dev.") var devSize: Int
    @Option(help: "Pairs carved off as test.") var testSize = 0
    @Option(help: "Seed of the carving.") var seed: UInt64 = 1
    @Option(help: "Bad lines: error (stop, naming file and line) or skip (count and report).")
    var badLines: BadLinePolicy = .error
    @Option(help: "Output directory (created if missing).") var out: String

    func validate() throws {
      guard devSize >= 0, testSize >= 0 else { throw ValidationError("--dev-size and --test-size cannot be negative") }
      guard devSize + testSize > 0 else { throw ValidationError("give --dev-size or --test-size (or both)") }
      guard sourceColumn >= 0, targetColumn >= 0, sourceColumn != targetColumn else {
        throw ValidationError("--source-column and --target-column must be two different columns ≥ 0")
      }
    }

    func run() throws {
      try reportingErrors {
        let source: CorpusSource =
          target.map { .parallel(source: input, target: $0) }
          ?? .tsv(path: input, sourceColumn: sourceColumn, targetColumn: targetColumn)
        let (pairs, report) = try CorpusReader.read(source, badLines: badLines)
        let split = try DataSplit.carve(pairs, devSize: devSize, testSize: testSize, seed: seed)
        do {
          try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
          throw DataError.unwritableFile(path: out, reason: error.localizedDescription)
        }
        let directory = URL(fileURLWithPath: out)
        for (name, part) in [("train", split.train), ("dev", split.dev), ("test", split.test)] {
          if let target {
            let (s, t) = (URL(fileURLWithPath: input).pathExtension, URL(fileURLWithPath: target).pathExtension)
            let (sourceExtension, targetExtension) = s.isEmpty || s == t ? ("source", "target") : (s, t)
            try ParallelCorpus.writeParallel(
              raw: part, sourcePath: directory.appendingPathComponent("\(name).\(sourceExtension)").path,
              targetPath: directory.appendingPathComponent("\(name).\(targetExtension)").path)
          } else {
            try ParallelCorpus.writeTSV(raw: part, path: directory.appendingPathComponent("\(name).tsv").path)
          }
        }
        print("read \(source): \(report.summary)")
        print("wrote \(out): \(split.train.count) train, \(split.dev.count) dev, \(split.test.count) test pairs")
      }
    }
  }

  // MARK: tokenize

  struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the model tokens of lines from standard input (or turn tokens back into text).",
      discussion: """
        Uses the preprocessing stored in a checkpoint (what translation does) or, with --config,
        the one training with that config would build (subword merges are learned from its
        training data first). Tokens are printed separated by spaces; ￭ marks a token that
        joins its neighbour without a space. --detokenize reads such tokens and prints the text.
        """)

    enum Side: String, CaseIterable, ExpressibleByArgument {
      case source, target
    }

    @Option(help: "Checkpoint whose stored preprocessing to use.") var checkpoint: String?
    @Option(help: "Experiment config whose data preprocessing to build.") var config: String?
    @Option(help: "Which side's preprocessing: source or target.") var side: Side = .source
    @Flag(help: "Read tokens (space-separated) and print the text they make.") var detokenize = false

    func validate() throws {
      guard (checkpoint == nil) != (config == nil) else {
        throw ValidationError("give exactly one of --checkpoint and --config")
      }
    }

    func run() throws {
      try reportingErrors {
        let preprocessing: TextPreprocessing
        if let checkpoint {
          preprocessing = try ModelCheckpoint.load(from: checkpoint).preprocessing
        } else {
          let experiment = try ExperimentConfig.load(path: config!)
          try experiment.validateFiles()
          preprocessing = try TrainingData(config: experiment.data).preprocessing
        }
        let processor = side == .source ? preprocessing.source : preprocessing.target
        while let line = readLine() {
          if detokenize {
            print(processor.text(line.split(separator: " ").map(String.init)))
          } else {
            print(processor.pieces(line).joined(separator: " "))
          }
        }
      }
    }
  }
}
