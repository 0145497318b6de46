import ArgumentParser
import AttendData
import AttendKernels
import AttendModel
import AttendTraining
import Foundation

/// `attend bench --race`: the quality race of issue #8 (RaceWorkload). Attend trains the `medium`
/// model on the Tatoeba split for --race-minutes, then scripts/race_pytorch.py trains the same
/// model from the same weights on the same batches for as long; each greedy-decodes the dev set
/// and Attend's BLEU scores both.
extension BenchCommand {
  func runRace() throws {
    try reportingErrors {
      guard raceMinutes > 0, raceMinutes.isFinite else { throw ValidationError("--race-minutes must be a positive number") }
      try BLAS.load()
      BLAS.threads = 2
      let budget = raceMinutes * 60
      say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; cpu: \(KernelPlan.cpuSummary)")
      say("kernels: \(BLAS.summary)")
      var results: [String: Any] = ["blas": BLAS.summary, "cpu": KernelPlan.cpuSummary]
      guard FileManager.default.fileExists(atPath: tatoebaConfig) else {
        say("quality race: skipped (\(tatoebaConfig) not found)")
        return
      }
      let experiment = try ExperimentConfig.load(path: tatoebaConfig)
      let files: [String?] = [experiment.data.train, experiment.data.trainTarget, experiment.data.dev, experiment.data.devTarget]
      if let missing = files.compactMap({ $0 }).first(where: { !FileManager.default.fileExists(atPath: $0) }) {
        say("quality race: skipped (\(missing) not found)")
        return
      }
      let data = try TrainingData(config: experiment.data)
      let race = RaceWorkload(data: data, settings: .medium(training: experiment.training))
      let settings = race.settings
      let work = workDirectory ?? NSTemporaryDirectory() + "attend-race-\(getpid())"
      try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
      defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: work) } }
      say(
        String(
          format: "quality race: %@ data (%d train pairs, %d dev), medium model, batch %d sentences, lr %g, clip %g, "
            + "seed %llu; %g min per side, 2 threads",
          tatoebaConfig, data.train.count, data.dev.count, settings.setup.batchSize, settings.learningRate,
          settings.clipNorm, settings.seed, raceMinutes))

      let model = race.makeModel()
      let (interpreter, skipReason) = raceInterpreter()
      if interpreter != nil {
        // Before the first step: the reference starts from these very weights.
        try Benchmark.writeReference(model, name: "race", directory: work, extra: race.referenceExtra)
      }
      say("attend: training ...")
      let ours = race.train(model, seconds: budget) { run in
        say(String(format: "attend: step %d  %.0f tok/s  %.0fs", run.steps, run.tokensPerSecond, run.seconds))
      }
      var outputs: [[Int32]] = []
      let decodeSeconds = Benchmark.seconds { outputs = race.translate(model) }
      let attend = raceSide(race, run: ours, outputs: outputs, decodeSeconds: decodeSeconds)
      var summary: [String: Any] = [
        "config": tatoebaConfig, "budget_seconds": budget, "model": settings.setup.name,
        "batch_size": settings.setup.batchSize, "learning_rate": settings.learningRate, "clip_norm": settings.clipNorm,
        "seed": settings.seed, "max_length_ratio": settings.maxOutputRatio, "train_pairs": data.train.count,
        "dev_pairs": data.dev.count, "attend": attend,
      ]

      var pytorch: [String: Any]?
      if let interpreter {
        // What Attend trained on, then as many batches again (at least an epoch) of the same sequence.
        let extra = max(ours.steps, race.makeBatcher().batchesPerEpoch)
        let plan: [String: Any] = ["batches": try race.batchPlan(after: ours, extraBatches: extra), "budget_seconds": budget]
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: work + "/race-batches.json"))
        say("pytorch: \(interpreter) scripts/race_pytorch.py (2 threads), training ...")
        try runInheritingOutput(interpreter, ["scripts/race_pytorch.py", work])
        let theirs = try readRaceResult(work + "/race-pytorch.json")
        let run = RaceWorkload.TrainingRun(
          steps: theirs["steps"] as? Int ?? 0, targetTokens: theirs["target_tokens"] as? Int ?? 0,
          seconds: theirs["seconds"] as? Double ?? 0, stepLossSums: theirs["step_loss_sums"] as? [Double] ?? [],
          stepTokens: theirs["step_tokens"] as? [Int] ?? [])
        let ids = (theirs["dev_outputs"] as? [[Int]] ?? []).map { $0.map { Int32(clamping: $0) } }
        if let problem = race.checkOutputs(ids) { throw ValidationError("scripts/race_pytorch.py: \(problem)") }
        var side = raceSide(race, run: run, outputs: ids, decodeSeconds: theirs["decode_seconds"] as? Double ?? 0)
        side["torch"] = theirs["torch"] ?? "?"
        side["threads"] = theirs["threads"] ?? 0
        side["plan_exhausted"] = theirs["plan_exhausted"] ?? false
        if theirs["plan_exhausted"] as? Bool == true {
          say("pytorch: ran out of the \(extra + ours.steps) planned batches before the budget ended")
        }
        pytorch = side
        summary["pytorch"] = side
      } else {
        summary["pytorch"] = "skipped: \(skipReason)"
      }
      printRaceTable(attend: attend, pytorch: pytorch, settings: settings, budget: budget)
      if pytorch == nil { say("pytorch reference: skipped (\(skipReason))") }
      results["race"] = summary
      if let json {
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: json))
        say("results: \(json)")
      }
    }
  }

  /// One side's figures for the table and the JSON; BLEU and chrF come from `race.score`.
  func raceSide(_ race: RaceWorkload, run: RaceWorkload.TrainingRun, outputs: [[Int32]], decodeSeconds: Double) -> [String: Any] {
    let (bleu, chrF) = race.score(outputs)
    return [
      "steps": run.steps, "target_tokens": run.targetTokens, "training_seconds": run.seconds,
      "tokens_per_second": run.tokensPerSecond, "final_loss": run.finalLoss(lastSteps: race.settings.finalLossSteps),
      "dev_bleu": bleu.score, "dev_chrf": chrF.score, "bleu": bleu.description, "decode_seconds": decodeSeconds,
      // Equal on both sides up to float rounding: the same weights and the same first batches.
      "first_step_losses": zip(run.stepLossSums.prefix(3), run.stepTokens).map { $0 / Double(max($1, 1)) },
    ]
  }

  func printRaceTable(attend: [String: Any], pytorch: [String: Any]?, settings: RaceWorkload.Settings, budget: Double) {
    func number(_ side: [String: Any], _ key: String) -> Double {
      (side[key] as? Double) ?? Double(side[key] as? Int ?? 0)
    }
    let columns: [(String, String, String)] = [
      ("steps", "steps", "%8.0f"), ("target_tokens", "target tokens", "%14.0f"), ("tokens_per_second", "tokens/s", "%9.0f"),
      ("final_loss", "final loss", "%11.4f"), ("dev_bleu", "dev BLEU", "%9.2f"), ("dev_chrf", "dev chrF", "%9.2f"),
    ]
    let widths = [8, 14, 9, 11, 9, 9]
    func line(_ label: String, _ cells: [String]) {
      say(pad(label, 22) + zip(cells, widths).map { cell, width in
        String(repeating: " ", count: max(1, width + 2 - cell.count)) + cell
      }.joined())
    }
    say("")
    say(
      String(
        format: "quality race: %g min of training per side; final loss: mean over the last %d steps",
        budget / 60, settings.finalLossSteps))
    line("", columns.map(\.1))
    let sides: [(String, [String: Any])] =
      [("Attend", attend)] + (pytorch.map { [("PyTorch \($0["torch"] ?? "")", $0)] } ?? [])
    for (name, side) in sides {
      line(name, columns.map { String(format: $0.2, number(side, $0.0)) })
    }
    guard let pytorch else { return }
    line("Attend ÷ PyTorch", columns.map {
      let (a, b) = (number(attend, $0.0), number(pytorch, $0.0))
      return b > 1e-6 ? String(format: "%.2f×", a / b) : "—"
    })
    let (a, b) = (number(attend, "dev_bleu"), number(pytorch, "dev_bleu"))
    say(
      String(
        format: "dev BLEU (greedy, final weights): Attend %.2f, PyTorch %.2f: %@ by %.2f", a, b,
        a > b ? "Attend ahead" : a < b ? "PyTorch ahead" : "tied", abs(a - b)))
    func losses(_ side: [String: Any]) -> String {
      (side["first_step_losses"] as? [Double] ?? []).map { String(format: "%.5f", $0) }.joined(separator: " ")
    }
    say("losses of steps 1–3 (same weights, same batches): Attend \(losses(attend)); PyTorch \(losses(pytorch))")
    say(
      String(
        format: "decoding the dev set (not in the budget): Attend %.2f s, PyTorch %.2f s", number(attend, "decode_seconds"),
        number(pytorch, "decode_seconds")))
  }

  /// Where --race looks for a Python with torch, in order (as --compare does).
  /// The Python that runs the reference, or nil and why not.
  func raceInterpreter() -> (String?, String) {
    guard FileManager.default.fileExists(atPath: "scripts/race_pytorch.py") else {
      return (nil, "scripts/race_pytorch.py not found: run attend from the repository root")
    }
    if let interpreter = pythonCandidates.first(where: { hasTorch($0) }) { return (interpreter, "") }
    return (nil, "no python with torch among \(pythonCandidates.joined(separator: ", "))")
  }

  /// Runs a program to completion with this process's standard output and error (its progress
  /// lines show); throws on a non-zero exit.
  func runInheritingOutput(_ program: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
  }

  func readRaceResult(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw ValidationError("\(path): expected a JSON object")
    }
    return object
  }
}
