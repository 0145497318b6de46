import Foundation
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

final class PunctuationSplittingTests: XCTestCase {
  private let splitting = Tokenizer(normalization: .nfc, splitPunctuation: true)
  private let j = Tokenizer.joinerString

  func testPunctuationIsSplitWithJoinerMarksOnItsAttachedSide() {
    XCTAssertEqual(splitting.tokenize("Run!"), ["Run", "\(j)!"])
    XCTAssertEqual(splitting.tokenize("«Bonjour», dit-il."), ["«\(j)", "Bonjour", "\(j)»", "\(j),", "dit-il", "\(j)."])
    XCTAssertEqual(splitting.tokenize("Wait..."), ["Wait", "\(j)..."])
    XCTAssertEqual(splitting.tokenize("U.S."), ["U", "\(j).\(j)", "S", "\(j)."])
  }

  func testFrenchSpacesBeforePunctuationAreSpaces() {
    // U+202F and U+00A0 before ! ? : ; and inside « » are spaces: the marks stand alone.
    XCTAssertEqual(splitting.tokenize("Va\u{202F}!"), ["Va", "!"])
    XCTAssertEqual(splitting.tokenize("«\u{00A0}Oui\u{00A0}»"), ["«", "Oui", "»"])
  }

  func testApostrophesHyphensAndNumbersStayInsideWords() {
    XCTAssertEqual(splitting.tokenize("I'm sure l'homme est peut-être là"), ["I'm", "sure", "l'homme", "est", "peut-être", "là"])
    XCTAssertEqual(splitting.tokenize("It costs $3.14, or 1,000 at 10:30."), [
      "It", "costs", "$\(j)", "3.14", "\(j),", "or", "1,000", "at", "10:30", "\(j).",
    ])
    XCTAssertEqual(splitting.tokenize("'quoted'"), ["'\(j)", "quoted", "\(j)'"])
  }

  func testDetokenizeUndoesSplittingExactly() {
    let lines = [
      "Run!", "«Bonjour», dit-il.", "Wait... what?!", "U.S.A.", "It costs $3.14, or (maybe) 1,000.",
      "Va !", "C'est l'été : il fait chaud ; non ?", "a-b - c", "(((x)))", "\"Hi,\" he said.",
    ]
    for line in lines {
      let tokens = splitting.tokenize(line)
      XCTAssertEqual(splitting.detokenize(tokens), line, "\(tokens)")
    }
  }

  func testDetokenizeCollapsesOnlyRunsOfSpaces() {
    XCTAssertEqual(splitting.detokenize(splitting.tokenize("  Va\u{202F}!  Oui\t\tnon. ")), "Va ! Oui non.")
  }

  func testNormalizationFormsCompose() {
    let decomposed = "e\u{0301}te\u{0301}"  // "été" with combining accents
    XCTAssertEqual(Tokenizer(normalization: .nfc).tokenize(decomposed), ["été"])
    XCTAssertEqual(Tokenizer(normalization: .none).tokenize(decomposed).first?.unicodeScalars.count, 5)
    XCTAssertEqual(Tokenizer(normalization: .nfkc).tokenize("ﬁn Ｈｅｌｌｏ ①"), ["fin", "Hello", "1"])
    XCTAssertEqual(Tokenizer(normalization: .nfc).tokenize("ﬁn"), ["ﬁn"])
  }

  func testLowercaseAppliesBeforeNormalizationAndSplitting() {
    let tokenizer = Tokenizer(lowercase: true, normalization: .nfc, splitPunctuation: true)
    XCTAssertEqual(tokenizer.tokenize("ÉTÉ!"), ["été", "\(j)!"])
  }

  func testInvisibleCharactersAreRemovedAndZeroWidthSpaceSplits() {
    XCTAssertEqual(Tokenizer().tokenize("ex\u{00AD}ample\u{200B}two\u{2060}\u{FEFF}"), ["example", "two"])
    XCTAssertTrue(Tokenizer.isBlank(" \u{00A0}\u{202F}\u{200B}\u{00AD}"))
    XCTAssertFalse(Tokenizer.isBlank(" \u{FFED}"))
    // A combining mark after a space is part of the space's character: nothing to tokenise.
    XCTAssertTrue(Tokenizer.isBlank(" \u{0301}"))
    XCTAssertEqual(Tokenizer().tokenize(" \u{0301}"), [])
    XCTAssertFalse(Tokenizer.isBlank("e\u{0301}"))
  }

  func testAJoinerInTheInputCanNotFakeAJoin() {
    // The input's ￭ becomes ■, so it is text, never a mark.
    let tokens = splitting.tokenize("a \u{FFED}b")
    XCTAssertEqual(tokens, ["a", "■\(j)", "b"])
    XCTAssertEqual(splitting.detokenize(tokens), "a ■b")
  }

  func testWithoutSplittingPunctuationStaysOnWords() {
    XCTAssertEqual(Tokenizer().tokenize("Run! Va !"), ["Run!", "Va", "!"])
    XCTAssertEqual(Tokenizer().detokenize(["Run!", "Va", "!"]), "Run! Va !")
  }

  func testCodableRoundTrip() throws {
    let tokenizer = Tokenizer(lowercase: true, normalization: .nfkc, splitPunctuation: true)
    let decoded = try JSONDecoder().decode(Tokenizer.self, from: JSONEncoder().encode(tokenizer))
    XCTAssertEqual(decoded, tokenizer)
  }
}
