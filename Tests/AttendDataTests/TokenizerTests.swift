import XCTest

@testable import AttendData

final class TokenizerTests: XCTestCase {
  func testSplitsOnNoBreakAndNarrowNoBreakAndThinSpaces() {
    let line = "le\u{00A0}chat\u{202F}noir\u{2009}dort"
    XCTAssertEqual(Tokenizer().tokenize(line), ["le", "chat", "noir", "dort"])
  }

  func testRunsOfMixedWhitespaceProduceNoEmptyTokens() {
    let line = "  a \t\tb\r\n c\u{3000}\u{00A0} d  "
    XCTAssertEqual(Tokenizer().tokenize(line), ["a", "b", "c", "d"])
  }

  func testBlankLineHasNoTokens() {
    XCTAssertEqual(Tokenizer().tokenize(" \u{00A0}\t"), [])
  }

  func testLowercaseOptionLowercasesBeforeSplitting() {
    XCTAssertEqual(Tokenizer(lowercase: true).tokenize("Das GROSSE Haus"), ["das", "grosse", "haus"])
    XCTAssertEqual(Tokenizer().tokenize("Das Haus"), ["Das", "Haus"])
  }

  func testDetokenizeJoinsWithSingleSpaces() {
    XCTAssertEqual(Tokenizer().detokenize(["a", "b", "c"]), "a b c")
    XCTAssertEqual(Tokenizer().detokenize([]), "")
  }
}
