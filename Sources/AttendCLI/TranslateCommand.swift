import ArgumentParser
import AttendKernels
import AttendModel
import AttendTraining
import Foundation

struct TranslateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "translate",
    abstract: "Translate sentences with a trained checkpoint (greedy decoding).",
    discussion: """
      Sentences come from the arguments, one per argument, or else from standard input, one per
      line. Each translation is printed on its own line, in input order.
      """)

  @Option(name: .shortAndLong, help: "Checkpoint file (for example checkpoints/reverse/best.ckpt).")
  var checkpoint: String

  @Option(help: "Stop a translation after ratio × source length + 5 tokens.")
  var maxLengthRatio: Double = 2

  @Argument(help: "Sentences to translate (whitespace-tokenised). None: read standard input.")
  var sentences: [String] = []

  func validate() throws {
    if maxLengthRatio <= 0 { throw ValidationError("--max-length-ratio must be positive") }
  }

  func run() throws {
    try reportingErrors {
      try BLAS.load()
      let loaded = try ModelCheckpoint.load(from: checkpoint)
      let tokenizer = loaded.tokenizer
      let evaluator = Evaluator(batchSize: 64, maxOutputRatio: maxLengthRatio)
      let workspace = Workspace()
      func translate(_ lines: [String]) {
        let sources = lines.map { loaded.header.sourceVocabulary.encode(tokenizer.tokenize($0)) }
        let nonEmpty = sources.indices.filter { !sources[$0].isEmpty }
        var output = [String](repeating: "", count: lines.count)
        if !nonEmpty.isEmpty {
          let results = evaluator.translate(loaded.model, sources: nonEmpty.map { sources[$0] }, workspace: workspace)
          for (k, index) in nonEmpty.enumerated() {
            output[index] = tokenizer.detokenize(loaded.header.targetVocabulary.decode(results[k].tokens))
          }
        }
        for line in output { print(line) }
      }
      if !sentences.isEmpty {
        translate(sentences)
      } else {
        // Line by line, so an interactive session answers each line as it is typed.
        while let line = readLine() {
          translate([line])
          fflush(stdout)
        }
      }
    }
  }
}
