import ArgumentParser
import AttendData
import AttendKernels
import AttendModel
import AttendTraining
import Foundation

/// `attend bench`: the speed figures of BENCHMARKS.md, measured here and now.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure training and decoding speed, start-up time and memory on this machine.",
    discussion: """
      Runs the `small` (E=H=128, batch 32, unidirectional, Bahdanau) and `medium` (E=H=256, \
      batch 64, bidirectional; Bahdanau, and Luong general with input feeding as `medium-luong`) \
      models on synthetic data (lengths 5–12, vocabulary 5,000) and, when its files exist, on the \
      Tatoeba English–French tutorial split. Figures are medians over --repeats runs. Set \
      ATTEND_BLAS_CORETYPE to compare OpenBLAS kernel paths.
      """)

  @Option(help: "Timed repeats per measurement (the median is reported).")
  var repeats: Int = 3

  @Option(help: "Training steps per timed repeat.")
  var steps: Int = 20

  @Option(help: "Config whose data section defines the Tatoeba benchmark corpus (skipped if its files are missing).")
  var tatoebaConfig: String = "configs/tatoeba-en-fr.yaml"

  @Option(help: "Write the results as JSON to this file.")
  var json: String?

  @Option(help: "Directory for the benchmark's corpora and checkpoints (default: a temporary directory).")
  var workDirectory: String?

  @Flag(help: "Also run the PyTorch reference (scripts/bench_pytorch.py) on the same data and weights and print the ratios.")
  var compare = false

  @Option(help: "Python with torch for --compare (default: $ATTEND_PYTHON, /opt/attend-ref/bin/python, python3).")
  var python: String?

  @Flag(
    help: """
      Run only the quality race instead: Attend, then the PyTorch reference (scripts/race_pytorch.py), \
      train the `medium` model (batch 64 sentences) on --tatoeba-config's data from the same weights on the \
      same batches for --race-minutes each; both greedy-decode the dev set and Attend's BLEU scores both. \
      Honours --json, --python and --work-directory.
      """)
  var race = false

  @Option(help: "Training minutes per side for --race (evaluation excluded).")
  var raceMinutes: Double = 10

  /// The parts of the benchmark; `--only` picks some (repeatable), all run by default.
  enum Part: String, CaseIterable, ExpressibleByArgument {
    case training, decoding, startup, memory
  }

  @Option(help: "Run only this part: training, decoding, startup or memory (repeatable; default: all).")
  var only: [Part] = []

  func runs(_ part: Part) -> Bool { only.isEmpty || only.contains(part) }

  func validate() throws {
    if repeats < 1 || steps < 1 { throw ValidationError("--repeats and --steps must be at least 1") }
  }

  func run() throws {
    if race { try runRace(); return }  // BenchRace.swift
    try reportingErrors {
      try BLAS.load()
      BLAS.threads = 2
      var results: [String: Any] = [:]
      let work = workDirectory ?? NSTemporaryDirectory() + "attend-bench-\(getpid())"
      try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
      // A directory we made up is ours to remove; one the user named is kept for inspection.
      defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: work) } }
      say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; cpu: \(KernelPlan.cpuSummary)")
      say("kernels: \(BLAS.summary)")
      results["blas"] = BLAS.summary
      results["cpu"] = KernelPlan.cpuSummary

      // sgemm peak at model-sized shapes.
      let gemms = Benchmark.sgemm(repeats: max(repeats, 5))
      for g in gemms { say(String(format: "sgemm %4d×%4d×%4d   %6.1f GFLOP/s", g.m, g.n, g.k, g.gflops)) }
      let peak = gemms.map(\.gflops).max() ?? 0
      results["sgemm_peak_gflops"] = peak

      // Synthetic corpus: reverse task, lengths 5–12, vocabulary 5,000.
      let synthetic = ToyCorpus.generate(
        task: .reverse, seed: 11, trainCount: max(20_000, 64 * steps), devCount: 256, testCount: 0, minLength: 5,
        maxLength: 12, vocabularySize: 5000)
      try synthetic.write(to: work + "/synthetic")
      let corpora: [(String, TrainingData)] = try {
        var list: [(String, TrainingData)] = []
        var data = DataConfig(train: work + "/synthetic/train.tsv", dev: work + "/synthetic/dev.tsv")
        data.maxLength = 50
        list.append(("synthetic", try TrainingData(config: data)))
        if FileManager.default.fileExists(atPath: tatoebaConfig) {
          let tatoeba = try ExperimentConfig.load(path: tatoebaConfig)
          if FileManager.default.fileExists(atPath: tatoeba.data.train) {
            list.append(("tatoeba", try TrainingData(config: tatoeba.data)))
          } else {
            say("tatoeba: skipped (\(tatoeba.data.train) not found)")
          }
        }
        return list
      }()

      var training: [[String: Any]] = []
      var referenceNames: [String] = []
      for setup in [Benchmark.Setup.small(), Benchmark.Setup.medium(), Benchmark.Setup.mediumLuong()] where runs(.training) {
        for (corpusName, data) in corpora {
          var batcher = Batcher(pairs: data.train, batchSize: setup.batchSize, seed: 1)
          let batches = (0..<steps).map { _ in batcher.nextBatch() }
          let model = Benchmark.model(
            setup, sourceVocabulary: data.sourceVocabulary.count, targetVocabulary: data.targetVocabulary.count)
          if compare {
            let name = "\(setup.name)-\(corpusName)"
            try Benchmark.writeReference(
              model, name: name, directory: work, extra: ["batches": batches.map(Benchmark.referenceBatch)])
            referenceNames.append(name)
          }
          let r = Benchmark.training(model: model, batches: batches, repeats: repeats)
          say(
            String(
              format: "train %@ %@ %8.0f target tok/s   %6.1f GFLOP/s (%.0f%% of sgemm peak)   V=%d",
              pad(setup.name, 12), pad(corpusName, 9), r.tokensPerSecond, r.gflops, 100 * r.gflops / max(peak, 1e-9),
              data.targetVocabulary.count))
          training.append([
            "model": setup.name, "corpus": corpusName, "tokens_per_second": r.tokensPerSecond,
            "runs": r.allTokensPerSecond, "gflops": r.gflops, "fraction_of_peak": r.gflops / max(peak, 1e-9),
            "target_vocabulary": data.targetVocabulary.count, "parameters": r.parameters,
          ])
        }
      }
      results["training"] = training

      // Greedy decoding, batch 64, medium model (untrained weights: a fixed, full-length workload).
      if runs(.decoding) {
        // BLAS.gemm's small-rows path against OpenBLAS on the same products.
        for r in Benchmark.smallRows() {
          say(
            String(
              format: "decoder-step product %2d×%4d×%4d   %6.1f µs small-rows kernel   %6.1f µs OpenBLAS",
              r.m, r.n, r.k, r.kernelMicroseconds, r.openBLASMicroseconds))
        }
        let (_, data) = corpora[corpora.count - 1]
        var config = Benchmark.Setup.medium().model
        config.sourceVocabularySize = data.sourceVocabulary.count
        config.targetVocabularySize = data.targetVocabulary.count
        let model = Seq2Seq(config: config, seed: 1)
        let sources = Array(data.devEncoded.map(\.source).prefix(256))
        if compare {
          try Benchmark.writeReference(
            model, name: "decode", directory: work,
            extra: ["decode_sources": sources.map { $0.map(Int.init) }, "max_length_ratio": 2.0])
        }
        let greedy = Benchmark.greedy(model: model, sources: sources, repeats: repeats)
        say(String(format: "greedy decoding (medium, batch 64)   %8.0f sentences/s", greedy))
        results["greedy_sentences_per_second"] = greedy
        let beam = Benchmark.beamLatency(model: model, sources: Array(sources.prefix(20)), beamSize: 5, repeats: repeats)
        say(String(format: "beam-5 decoding (medium, one sentence at a time)   %7.2f ms/sentence", beam * 1000))
        results["beam5_seconds_per_sentence"] = beam
      }
      if runs(.training) || runs(.decoding) {
        results["peak_rss_mib"] = Benchmark.peakResidentMiB
        say(String(format: "peak memory of this benchmark process   %6.1f MiB", Benchmark.peakResidentMiB))
      }

      // Start-up: process start to first translation, and peak memory of a training process.
      var checkpoint: String?
      if runs(.startup) {
        let path = try trainTinyCheckpoint(in: work)
        let startup = try timeFirstTranslation(checkpoint: path)
        say(String(format: "attend translate, start to first translation   %6.3f s (median of %d)", startup, 10))
        results["time_to_first_translation_seconds"] = startup
        checkpoint = path
      }
      if runs(.memory) && corpora.count > 1 {
        let rss = try peakMemoryOfTraining(config: tatoebaConfig, work: work)
        say(String(format: "peak memory, attend train (%@, 40 steps)   %6.1f MiB", tatoebaConfig, rss))
        results["training_peak_rss_mib"] = rss
        // A translation process: the Tatoeba dev sources, greedy, with a `medium` checkpoint.
        let checkpoint = try trainMediumCheckpoint(config: tatoebaConfig, in: work)
        let (_, tatoeba) = corpora[corpora.count - 1]
        let input = work + "/dev-sources.txt"
        try tatoeba.dev.map { $0.source.joined(separator: " ") }.joined(separator: "\n")
          .write(toFile: input, atomically: true, encoding: .utf8)
        let translateRSS = try peakMemory(
          of: executable, ["translate", "-c", checkpoint, "--beam", "1", "--input", input, "--output", work + "/dev-out.txt"])
        say(
          String(
            format: "peak memory, attend translate (medium, %d Tatoeba dev sentences, greedy)   %6.1f MiB",
            tatoeba.dev.count, translateRSS))
        results["translate_peak_rss_mib"] = translateRSS
        if compare {
          let loaded = try ModelCheckpoint.load(from: checkpoint)
          try Benchmark.writeReference(
            loaded.model, name: "translate", directory: work,
            extra: ["decode_sources": tatoeba.devEncoded.map { $0.source.map(Int.init) }, "max_length_ratio": 2.0])
        }
      }
      if compare {
        try comparePyTorch(work: work, names: referenceNames, ours: results, checkpoint: checkpoint)
      }
      if let json {
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: json))
        say("results: \(json)")
      }
    }
  }

  /// Runs scripts/bench_pytorch.py on the workload written above and prints Attend ÷ PyTorch.
  func comparePyTorch(work: String, names: [String], ours: [String: Any], checkpoint: String?) throws {
    guard let interpreter = pythonCandidates.first(where: { hasTorch($0) }) else {
      say("pytorch reference: skipped (no python with torch among \(pythonCandidates.joined(separator: ", ")))")
      return
    }
    var plan: [String: Any] = ["training": names, "repeats": repeats]
    if runs(.decoding) { plan["decode"] = "decode" }
    try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: work + "/workload.json"))
    if let checkpoint {
      let loaded = try ModelCheckpoint.load(from: checkpoint)
      try Benchmark.writeReference(
        loaded.model, name: "startup", directory: work,
        extra: ["decode_sources": [loaded.header.sourceVocabulary.encode(["1", "2", "3", "4", "5"]).map(Int.init)]])
    }
    say("pytorch reference: \(interpreter) scripts/bench_pytorch.py (2 threads) ...")
    let output = try runCapturing(interpreter, ["scripts/bench_pytorch.py", work])
    guard let theirs = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
      throw ValidationError("scripts/bench_pytorch.py printed no JSON result")
    }
    say("")
    say("                                         Attend      PyTorch \(theirs["torch"] ?? "?")    ratio")
    let oursTraining = ours["training"] as? [[String: Any]] ?? []
    let theirsTraining = theirs["training"] as? [[String: Any]] ?? []
    for (mine, other) in zip(oursTraining, theirsTraining) {
      let a = mine["tokens_per_second"] as? Double ?? 0, b = other["tokens_per_second"] as? Double ?? 0
      row("train \(mine["model"] ?? "") \(mine["corpus"] ?? "") (tok/s)", a, b, a / max(b, 1e-9))
    }
    if let g = ours["greedy_sentences_per_second"] as? Double, let tg = theirs["greedy_sentences_per_second"] as? Double {
      row("greedy decoding (sentences/s)", g, tg, g / max(tg, 1e-9))
    }
    if let beam = ours["beam5_seconds_per_sentence"] as? Double, let tbeam = theirs["beam5_seconds_per_sentence"] as? Double {
      row("beam-5 latency (ms/sentence, lower wins)", beam * 1000, tbeam * 1000, beam / max(tbeam, 1e-9))
    }
    if let startup = ours["time_to_first_translation_seconds"] as? Double {
      var startupTimes: [Double] = []
      for _ in 0..<5 {
        startupTimes.append(
          Benchmark.seconds { _ = try? runCapturing(interpreter, ["scripts/bench_pytorch.py", work, "--startup"]) })
      }
      let tstartup = Benchmark.median(startupTimes)
      row("start to first translation (s, lower wins)", startup, tstartup, startup / max(tstartup, 1e-9))
    }
    if let rss = ours["peak_rss_mib"] as? Double, let trss = theirs["peak_rss_mib"] as? Double {
      row("peak memory, same work (MiB, lower wins)", rss, trss, rss / max(trss, 1e-9))
    }
    if let rss = ours["translate_peak_rss_mib"] as? Double,
      let output = try? runCapturing(interpreter, ["scripts/bench_pytorch.py", work, "--translate-memory"]),
      let trss = Double(output.trimmingCharacters(in: .whitespacesAndNewlines))
    {
      row("peak memory, translating (MiB, lower wins)", rss, trss, rss / max(trss, 1e-9))
    }
  }

  func row(_ label: String, _ a: Double, _ b: Double, _ ratio: Double) {
    say(String(format: "%@ %10.2f  %12.2f  %7.2f×", pad(label, 40), a, b, ratio))
  }

  /// Where to look for a Python with torch, in order (`--python`, `$ATTEND_PYTHON`, the usual places).
  var pythonCandidates: [String] {
    [python, ProcessInfo.processInfo.environment["ATTEND_PYTHON"], "/opt/attend-ref/bin/python", "/usr/bin/python3"]
      .compactMap { $0 }
  }

  func hasTorch(_ interpreter: String) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: interpreter) else { return false }
    return (try? runCapturing(interpreter, ["-c", "import torch"])) != nil
  }

  /// Runs a program to completion; returns its standard output, throws on a non-zero exit.
  @discardableResult
  func runCapturing(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
  }

  func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  func say(_ line: String) {
    print(line)
    fflush(stdout)
  }

  /// Trains the shipped reverse task for a few steps in `work` and returns its checkpoint path.
  func trainTinyCheckpoint(in work: String) throws -> String {
    try trainCheckpoint(config: "configs/reverse.yaml", steps: 20, in: work + "/checkpoints", runName: "bench")
  }

  /// Trains `config` for `steps` steps (one evaluation at the end) with its checkpoints and log
  /// in `directory`, after `change`; returns the latest checkpoint's path.
  func trainCheckpoint(
    config: String, steps: Int, in directory: String, runName: String, _ change: (inout ExperimentConfig) -> Void = { _ in }
  ) throws -> String {
    var experiment = try ExperimentConfig.load(path: config)
    change(&experiment)
    experiment.training.maxSteps = steps
    experiment.training.evalEvery = steps
    experiment.training.checkpointDir = directory
    experiment.logging.database = directory + "/log.sqlite"
    experiment.logging.runName = runName
    let trainer = Trainer(config: experiment)
    trainer.log = { _ in }
    return try trainer.run().latestCheckpoint
  }

  var executable: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

  func timeFirstTranslation(checkpoint: String) throws -> Double {
    var times: [Double] = []
    for _ in 0..<10 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = ["translate", "--checkpoint", checkpoint, "1 2 3 4 5"]
      process.standardOutput = FileHandle.nullDevice
      let start = DispatchTime.now().uptimeNanoseconds
      try process.run()
      process.waitUntilExit()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      if process.terminationStatus != 0 { throw ValidationError("attend translate failed while timing start-up") }
    }
    return Benchmark.median(times)
  }

  /// Runs `attend train` on `config` for 40 steps in a child process and returns its peak RSS.
  func peakMemoryOfTraining(config: String, work: String) throws -> Double {
    try peakMemory(
      of: executable,
      [
        "train", "--config", config, "--max-steps", "40", "--run-name", "bench-memory",
        "--database", work + "/memory.sqlite", "--checkpoint-dir", work + "/checkpoints",
      ])
  }

  /// Trains the `medium` model on `config`'s data for one step and returns its checkpoint: a
  /// translator of the real pipeline and size, for the memory of a translation process.
  func trainMediumCheckpoint(config: String, in work: String) throws -> String {
    try trainCheckpoint(config: config, steps: 1, in: work + "/checkpoints-medium", runName: "bench-medium") {
      let medium = Benchmark.Setup.medium().model
      $0.model.embeddingSize = medium.embeddingSize
      $0.model.hiddenSize = medium.hiddenSize
      $0.model.attentionSize = medium.attentionSize
      $0.model.bidirectional = medium.bidirectional
    }
  }

  /// Peak resident memory (MiB) of a child process running `program arguments` to completion.
  ///
  /// Read from the child's own /proc/PID/status `VmHWM`, polled until it exits: getrusage's
  /// figure for children is useless here, because Linux starts a child's maximum at the RSS of
  /// the process that spawned it (this one, holding the benchmark's models).
  func peakMemory(of program: String, _ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let status = "/proc/\(process.processIdentifier)/status"
    var peakKiB = 0.0
    while process.isRunning {
      if let text = try? String(contentsOfFile: status, encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
      {
        peakKiB = max(peakKiB, kib)
      }
      usleep(5_000)
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
    return peakKiB / 1024
  }
}
