import AttendCheckpoint
import AttendData
import AttendKernels
import AttendSearch
import AttendTraining
import AttendTranslation
import Foundation
import XCTest

@testable import AttendCLI

/// `attend translate`, `attend eval` and `attend bleu`: flag checks, the shared text reader, and
/// translation output on a checkpoint trained for a moment.
final class TranslateAndScoreCommandTests: XCTestCase {
  func usageError(_ arguments: [String], contains fragment: String, line: UInt = #line) {
    XCTAssertThrowsError(try AttendCommand.parseAsRoot(arguments), line: line) { error in
      let message = AttendCommand.message(for: error)
      XCTAssertTrue(message.contains(fragment), message, line: line)
    }
  }

  func testTranslateFlagsThatCannotWorkTogetherAreUsageErrors() {
    usageError(["translate", "-c", "m.ckpt", "--nbest", "6", "x"], contains: "--beam 6")
    usageError(["translate", "-c", "m.ckpt", "--beam", "0", "x"], contains: "--beam must be at least 1")
    usageError(["translate", "-c", "m.ckpt", "--format", "json", "--show-attention"], contains: "--show-attention")
    usageError(["translate", "-c", "m.ckpt", "--input", "a.txt", "x"], contains: "not both")
    usageError(["translate", "-c", "m.ckpt", "--length-penalty", "log"], contains: "none")
  }

  func testEvalNeedsEitherSourceAndReferenceOrPairs() {
    usageError(["eval", "-c", "m.ckpt"], contains: "--pairs")
    usageError(["eval", "-c", "m.ckpt", "--source", "a"], contains: "--reference")
    usageError(["eval", "-c", "m.ckpt", "--pairs", "p.tsv", "--reference", "r"], contains: "leave out --reference")
    usageError(["eval", "-c", "m.ckpt", "--pairs", "p.tsv", "--alignment-threshold", "0.3"], contains: "--alignments")
    usageError(
      ["eval", "-c", "m.ckpt", "--source", "a", "--reference", "r1", "--reference", "r2", "--alignments", "g"],
      contains: "single --reference")
  }

  func testBleuPrintsSacreBLEUsTextFormatOrTheScoreAlone() throws {
    let parsed = try XCTUnwrap(try AttendCommand.parseAsRoot(["bleu", "r.txt", "-m", "bleu", "chrf"]) as? BleuCommand)
    XCTAssertEqual(parsed.metrics, [.bleu, .chrf])
    let full = BleuCommand.report(
      hypotheses: ["The cat sat on the mat."], referenceStreams: [["The cat is on the mat."]],
      metrics: parsed.metrics, bleu: .init(), chrF: .init(), scoreOnly: false, width: 2)
    // sacreBLEU 2.6.0 prints 48.89 and 67.17 for this pair (13a splits off the period).
    XCTAssertEqual(
      full,
      [
        "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-1 = 48.89 85.7/66.7/40.0/25.0 "
          + "(BP = 1.000 ratio = 1.000 hyp_len = 7 ref_len = 7)",
        "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:attend-1 = 67.17",
      ])
    let bare = BleuCommand.report(
      hypotheses: ["The cat sat on the mat."], referenceStreams: [["The cat is on the mat."]],
      metrics: [.bleu], bleu: .init(), chrF: .init(), scoreOnly: true, width: 1)
    XCTAssertEqual(bare, ["48.9"])
  }

  func testTextLinesAcceptCRLFAndAByteOrderMarkAndNameABadLine() throws {
    let lines = try TextLines.split(Data([0xEF, 0xBB, 0xBF] + Array("a b\r\n\nc".utf8)), name: "f.txt")
    XCTAssertEqual(lines, ["a b", "", "c"])
    XCTAssertEqual(try TextLines.split(Data("x\n".utf8), name: "f.txt"), ["x"])
    XCTAssertThrowsError(try TextLines.split(Data(Array("ok\n".utf8) + [0xC3, 0x28]), name: "f.txt")) { error in
      XCTAssertEqual("\(error)", "f.txt:2: expected UTF-8 text, found bytes that are not valid UTF-8")
    }
  }

  // MARK: On a trained checkpoint

  static let checkpoint: String = {
    try! BLAS.load()
    let directory = NSTemporaryDirectory() + "attend-cli-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var rng = RandomGenerator(seed: 2)
    func lines(_ count: Int) -> String {
      (0..<count).map { _ in
        let words = (0..<(2 + rng.nextInt(below: 4))).map { _ in "w\(rng.nextInt(below: 8))" }
        return words.joined(separator: " ") + "\t" + words.reversed().joined(separator: " ")
      }.joined(separator: "\n") + "\n"
    }
    try! lines(400).write(toFile: directory + "/train.tsv", atomically: true, encoding: .utf8)
    try! lines(10).write(toFile: directory + "/dev.tsv", atomically: true, encoding: .utf8)
    var config = ExperimentConfig(
      data: DataConfig(train: directory + "/train.tsv", dev: directory + "/dev.tsv"),
      logging: LoggingConfig(runName: "cli"))
    config.model.embeddingSize = 16
    config.model.hiddenSize = 16
    config.model.attentionSize = 16
    config.training.batchSize = 16
    config.training.maxSteps = 60
    config.training.evalEvery = 60
    config.training.learningRate = 0.01
    config.training.checkpointDir = directory + "/checkpoints"
    config.logging.database = directory + "/log.sqlite"
    let trainer = Trainer(config: config)
    trainer.log = { _ in }
    return try! trainer.run().latestCheckpoint
  }()

  func testTranslatorReturnsNBestListsWithAttentionAndKeepsEmptyLines() throws {
    let loaded = try ModelCheckpoint.load(from: Self.checkpoint)
    let translator = Translator(
      loaded: loaded, options: SearchOptions(beamSize: 5, nBest: 3, lengthNormalization: .gnmt), replaceUnknown: false)
    let results = translator.translate(["w1 w2 w3", "", "w4 zzz"])
    XCTAssertEqual(results.map(\.hypotheses.count), [3, 0, 3])
    XCTAssertEqual(results[1].text, "")
    for result in [results[0], results[2]] {
      XCTAssertEqual(result.hypotheses.map(\.score), result.hypotheses.map(\.score).sorted(by: >))
      for h in result.hypotheses {
        XCTAssertEqual(h.attention.count, h.modelTokens.count)
        XCTAssertEqual(h.modelTokens.last, "</s>")
        XCTAssert(h.attention.allSatisfy { $0.count == result.sourceTokens.count })
        XCTAssertEqual(h.text, h.tokens.joined(separator: " "))
      }
    }
  }

  func testTextAndJSONOutputLines() throws {
    let loaded = try ModelCheckpoint.load(from: Self.checkpoint)
    let translator = Translator(
      loaded: loaded, options: SearchOptions(beamSize: 3, nBest: 2, lengthNormalization: .average), replaceUnknown: true)
    let result = translator.translate(["w1 w2"])[0]
    var command = try XCTUnwrap(
      try AttendCommand.parseAsRoot(["translate", "-c", "m.ckpt", "--nbest", "2"]) as? TranslateCommand)
    let moses = try command.outputLines(result, index: 7)
    XCTAssertEqual(moses.count, 2)
    XCTAssertTrue(moses[0].hasPrefix("7 ||| \(result.hypotheses[0].text) ||| -"), moses[0])

    command = try XCTUnwrap(
      try AttendCommand.parseAsRoot(["translate", "-c", "m.ckpt", "--nbest", "2", "--format", "json"]) as? TranslateCommand)
    let json = try command.outputLines(result, index: 0)
    XCTAssertEqual(json.count, 1)
    let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json[0].utf8)) as? [String: Any])
    XCTAssertEqual(object["source_tokens"] as? [String], ["w1", "w2"])
    let translations = try XCTUnwrap(object["translations"] as? [[String: Any]])
    XCTAssertEqual(translations.count, 2)
    let attention = try XCTUnwrap(translations[0]["attention"] as? [[Double]])
    XCTAssertEqual(attention.count, result.hypotheses[0].tokens.count + 1)
    XCTAssertEqual(translations[0]["text"] as? String, result.hypotheses[0].text)
  }
}
