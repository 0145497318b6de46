import ArgumentParser
import XCTest

@testable import AttendCLI

/// The command-line surface: every subcommand is reachable and bad flags fail with messages a
/// user can act on.
final class CommandLineTests: XCTestCase {
  func testEverySubcommandIsListedInTheRootHelp() {
    let help = AttendCommand.helpMessage()
    for name in ["train", "translate", "corpus", "info", "bench", "eval", "runs", "report"] {
      XCTAssertTrue(help.contains(name), "root help lists \(name)")
    }
  }

  func testTrainParsesConfigAndOverrides() throws {
    let parsed = try AttendCommand.parseAsRoot(["train", "--config", "configs/reverse.yaml", "--max-steps", "7"])
    let train = try XCTUnwrap(parsed as? TrainCommand)
    XCTAssertEqual(train.config, "configs/reverse.yaml")
    XCTAssertEqual(train.maxSteps, 7)
  }

  func testTrainRejectsZeroEpochsNamingTheFlag() {
    XCTAssertThrowsError(try AttendCommand.parseAsRoot(["train", "--config", "c.yaml", "--epochs", "0"])) { error in
      XCTAssertTrue(AttendCommand.message(for: error).contains("--epochs must be at least 1"))
    }
    let parsed = try? AttendCommand.parseAsRoot(["train", "--config", "c.yaml", "--epochs", "5", "--resume"])
    XCTAssertEqual((parsed as? TrainCommand)?.epochs, 5)
  }

  func testCheckpointTakingCommandsAcceptTheShortCheckpointFlag() throws {
    XCTAssertNotNil(try AttendCommand.parseAsRoot(["translate", "-c", "x.ckpt"]) as? TranslateCommand)
    XCTAssertNotNil(try AttendCommand.parseAsRoot(["export", "-c", "x.ckpt", "--safetensors", "y"]) as? ExportCommand)
  }

  func testTrainWithoutConfigIsAUsageError() {
    XCTAssertThrowsError(try AttendCommand.parseAsRoot(["train"])) { error in
      XCTAssertTrue(AttendCommand.message(for: error).contains("--config"))
    }
  }

  func testTranslateRejectsANonPositiveLengthRatio() {
    XCTAssertThrowsError(
      try AttendCommand.parseAsRoot(["translate", "--checkpoint", "x.ckpt", "--max-length-ratio", "0"])
    ) { error in
      XCTAssertTrue(AttendCommand.message(for: error).contains("--max-length-ratio must be positive"))
    }
  }

  func testCorpusGenerateNamesTheValidTasksForAnUnknownOne() {
    XCTAssertThrowsError(
      try AttendCommand.parseAsRoot(["corpus", "generate", "palindrome", "--out", "/tmp/x"])
    ) { error in
      let message = AttendCommand.message(for: error)
      XCTAssertTrue(message.contains("unknown task 'palindrome'"), message)
      XCTAssertTrue(message.contains("reverse"), message)
    }
  }

  func testCorpusGenerateRejectsAnImpossibleLengthRange() {
    XCTAssertThrowsError(
      try AttendCommand.parseAsRoot(["corpus", "generate", "reverse", "--out", "/tmp/x", "--min-length", "5", "--max-length", "2"])
    ) { error in
      XCTAssertTrue(AttendCommand.message(for: error).contains("--min-length"))
    }
  }
}
