import Foundation
import XCTest

@testable import AttendData

/// The generators of every toy task: determinism, correct targets checked by independent oracles,
/// and gold alignments whose links point at the words that really correspond.
final class ToyTaskTests: XCTestCase {
  private func corpus(_ task: ToyTask, seed: UInt64 = 3, train: Int = 1500) -> ToyCorpus {
    ToyCorpus.generate(task: task, seed: seed, trainCount: train, devCount: 100, testCount: 100)
  }

  private func all(_ c: ToyCorpus) -> [(SentencePair, [AlignmentLink])] {
    Array(zip(c.train + c.dev + c.test, c.trainAlignments + c.devAlignments + c.testAlignments))
  }

  func testEveryTaskIsDeterministicForASeedAndHeldOutSplitsAreDisjoint() {
    for task in ToyTask.allCases {
      let (a, b, other) = (corpus(task), corpus(task), corpus(task, seed: 4))
      XCTAssertEqual(a.train, b.train, task.rawValue)
      XCTAssertEqual(a.dev, b.dev, task.rawValue)
      XCTAssertEqual(a.testAlignments, b.testAlignments, task.rawValue)
      XCTAssertNotEqual(a.train, other.train, task.rawValue)
      let train = Set(a.train.map(\.source))
      let (dev, test) = (Set(a.dev.map(\.source)), Set(a.test.map(\.source)))
      XCTAssertEqual(dev.count, 100, task.rawValue)
      XCTAssertTrue(train.isDisjoint(with: dev) && train.isDisjoint(with: test) && dev.isDisjoint(with: test))
    }
  }

  func testEveryAlignmentIsWellFormed() {
    for task in ToyTask.allCases {
      for (pair, links) in all(corpus(task)) {
        XCTAssertEqual(Set(links.map { [$0.source, $0.target] }).count, links.count, "duplicate link")
        XCTAssertEqual(links, links.sorted { ($0.source, $0.target) < ($1.source, $1.target) })
        for link in links {
          XCTAssertTrue(pair.source.indices.contains(link.source), "\(task) \(pair) \(link)")
          XCTAssertTrue(pair.target.indices.contains(link.target), "\(task) \(pair) \(link)")
        }
        // Every target word has a link: a perfect attention can score a zero error rate.
        XCTAssertEqual(Set(links.map(\.target)), Set(pair.target.indices), "\(task) \(pair)")
        XCTAssertFalse(pair.source.isEmpty || pair.target.isEmpty)
      }
    }
  }

  func testCopyIsTheIdentityWithADiagonalAlignment() {
    for (pair, links) in all(corpus(.copy)) {
      XCTAssertEqual(pair.target, pair.source)
      XCTAssertEqual(links, pair.source.indices.map { AlignmentLink(source: $0, target: $0) })
    }
  }

  func testReverseCorpusIsUnchangedByTheNewTasks() {
    // The shipped corpora/reverse was made by the generator before the other tasks existed;
    // its first pairs for seed 1 are pinned here so it stays reproducible.
    let c = ToyCorpus.generate(task: .reverse, seed: 1, trainCount: 3, devCount: 1, testCount: 1)
    let shipped = ToyCorpus.generate(task: .reverse, seed: 1, trainCount: 20000, devCount: 1, testCount: 0)
    XCTAssertEqual(c.train, Array(shipped.train.prefix(3)))
    for (pair, links) in all(c) {
      XCTAssertEqual(pair.target, pair.source.reversed())
      for link in links { XCTAssertEqual(pair.source[link.source], pair.target[link.target]) }
    }
  }

  func testSortTargetsAreSortedAndLinksJoinEqualNumbers() {
    var sawDuplicates = false
    for (pair, links) in all(corpus(.sort)) {
      let numbers = pair.source.map { Int($0)! }
      XCTAssertEqual(pair.target.map { Int($0)! }, numbers.sorted())
      for link in links {
        XCTAssertEqual(pair.source[link.source], pair.target[link.target])
        let occurrences = pair.source.filter { $0 == pair.source[link.source] }.count
        XCTAssertEqual(link.sure, occurrences == 1)
        if occurrences > 1 { sawDuplicates = true }
      }
    }
    XCTAssertTrue(sawDuplicates)
  }

  func testDatesAreTheirISOFormsWithTrueWeekdays() throws {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    calendar.locale = Locale(identifier: "en_US_POSIX")
    let monthNames = calendar.monthSymbols  // January …
    var shapes = Set<String>()
    for (pair, links) in all(corpus(.dates)) {
      XCTAssertEqual(pair.target.count, 5)
      XCTAssertEqual([pair.target[1], pair.target[3]], ["-", "-"])
      let (year, month, day) = (Int(pair.target[0])!, Int(pair.target[2])!, Int(pair.target[4])!)
      let components = DateComponents(year: year, month: month, day: day)
      let date = try XCTUnwrap(calendar.date(from: components))
      XCTAssertEqual(calendar.dateComponents([.year, .month, .day], from: date), components, "not a real date")
      XCTAssertTrue((1900...2099).contains(year))
      // The sure-linked source words spell the same fields.
      func linked(_ j: Int) -> String { pair.source[links.first { $0.target == j && $0.sure }!.source] }
      XCTAssertEqual(linked(0), String(year))
      let monthWord = linked(2)
      XCTAssertTrue(
        [monthNames[month - 1], String(monthNames[month - 1].prefix(3)), String(month), String(format: "%02d", month)]
          .contains(monthWord), monthWord)
      XCTAssertEqual(Int(linked(4).prefix { $0.isNumber }), day)
      if let weekday = pair.source.first(where: weekdayNames.contains) {
        XCTAssertEqual(weekday, weekdayNames[calendar.component(.weekday, from: date) - 1], "\(pair.source)")
      }
      shapes.insert(pair.source.map { $0.first!.isNumber ? "#" : $0.first!.isUppercase ? "A" : $0 }.joined(separator: " "))
    }
    XCTAssertEqual(shapes.count, 8, "\(shapes.sorted())")  // eight ways of writing a date
  }

  /// An independent reading of English number words.
  private func value(_ words: [String]) -> Int {
    let small = [
      "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
      "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
      "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
      "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    var (total, current) = (0, 0)
    for word in words {
      switch word {
      case "and": continue
      case "hundred": current *= 100
      case "thousand":
        total += current * 1000
        current = 0
      default: current += small[word]!
      }
    }
    return total + current
  }

  func testNumbersAreTheirDigitsAndLinksPointAtTheWordsThatWriteThem() {
    let placeWords: Set<String> = ["hundred", "thousand", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    var lengths = Set<Int>()
    for (pair, links) in all(corpus(.numbers)) {
      XCTAssertEqual(Int(pair.target.joined()), value(pair.source), "\(pair)")
      XCTAssertTrue(pair.target.allSatisfy { $0.count == 1 })
      lengths.insert(pair.target.count)
      for link in links {
        let word = pair.source[link.source]
        XCTAssertNotEqual(word, "and")
        if link.sure {
          // A sure word on its own, read as a number, contains the digit it is linked to.
          XCTAssertTrue(String(value([word])).contains(pair.target[link.target]), "\(pair) \(link)")
        } else {
          XCTAssertEqual(pair.target[link.target], "0")
          XCTAssertTrue(placeWords.contains(word), "\(pair) \(link)")
        }
      }
    }
    XCTAssertEqual(lengths, Set(1...6))
  }

  func testNumbersHandCheckedAlignment() {
    // "twelve thousand and five": 1 2 0 0 5
    let example = ToyNumbers.example(12005, british: true)
    XCTAssertEqual(example.source, ["twelve", "thousand", "and", "five"])
    XCTAssertEqual(example.target, ["1", "2", "0", "0", "5"])
    XCTAssertEqual(PharaohFormat.format(example.alignment), "0-0 0-1 1?2 1?3 3-4")
  }

  func testToyFrenchAgreesAndReordersAsDescribed() {
    let genders = [
      "chat": "m", "chien": "m", "garçon": "m", "livre": "m", "cheval": "m", "maison": "f", "voiture": "f",
      "fille": "f", "table": "f", "fleur": "f", "souris": "f",
    ]
    let plurals = ["chats": "chat", "chiens": "chien", "garçons": "garçon", "livres": "livre", "chevaux": "cheval",
      "maisons": "maison", "voitures": "voiture", "filles": "fille", "tables": "table", "fleurs": "fleur"]
    let singularDeterminers = ["le": "m", "la": "f", "un": "m", "une": "f", "mon": "m", "ma": "f", "ce": "m", "cette": "f"]
    var crossing = 0
    var lengths = Set<Int>()
    for (pair, links) in all(corpus(.toyFrench)) {
      lengths.insert(pair.source.count)
      XCTAssertEqual(pair.source.last, ".")
      XCTAssertEqual(pair.target.last, ".")
      for (k, word) in pair.target.enumerated() {
        // A singular noun's determiner (just before it) has its gender; plural determiners are
        // genderless and "souris" is its own plural.
        if let gender = genders[word], k > 0, let determinerGender = singularDeterminers[pair.target[k - 1]] {
          XCTAssertEqual(determinerGender, gender, "\(pair.target)")
        }
        if plurals[word] != nil, k > 0 {
          XCTAssertTrue(["les", "des", "mes", "ces"].contains(pair.target[k - 1]), "\(pair.target)")
        }
      }
      // "not" links to both "ne" and "pas".
      if let not = pair.source.firstIndex(of: "not") {
        let targets = links.filter { $0.source == not }.map { pair.target[$0.target] }
        XCTAssertEqual(targets, ["ne", "pas"])
      }
      // Count crossing links: non-monotonic alignments.
      let sure = links.filter(\.sure)
      for a in sure {
        for b in sure where a.source < b.source && a.target > b.target { crossing += 1 }
      }
      // Every English word but the auxiliary is surely linked.
      let linked = Set(sure.map(\.source))
      for (i, word) in pair.source.enumerated() where !["does", "do"].contains(word) {
        XCTAssertTrue(linked.contains(i), "\(pair.source) \(word)")
      }
    }
    XCTAssertGreaterThan(crossing, 100)
    XCTAssertGreaterThan(lengths.max()! - lengths.min()!, 15)
  }

  func testToyFrenchHandCheckedSentence() {
    let example = ToyFrench.example(
      clauses: [
        .init(
          subject: .phrase(.init(
            determiner: ToyFrench.determiners[3],
            adjectives: [ToyFrench.adjectives[7], ToyFrench.adjectives[2]], noun: ToyFrench.nouns[4], plural: true)),
          verb: ToyFrench.verbs[5], negated: true, object: .pronoun(english: "them", french: "les"),
          prepositional: nil)
      ], conjunctions: [])
    XCTAssertEqual(example.source.joined(separator: " "), "my lazy green horses do not look for them .")
    XCTAssertEqual(example.target.joined(separator: " "), "mes chevaux verts paresseux ne les cherchent pas .")
    XCTAssertEqual(
      PharaohFormat.format(example.alignment),
      "0-0 1-3 2-2 3-1 4?6 5-4 5-7 6-6 7-6 8-5 9-8")
  }

  func testCommandLineLeavesOutOptionsTheTaskDoesNotUse() {
    let c = ToyCorpus.generate(task: .dates, seed: 2, trainCount: 10, devCount: 2, testCount: 2, maxLength: 30)
    XCTAssertEqual(
      c.commandLine(directory: "corpora/dates"),
      "attend corpus generate dates --seed 2 --train-count 10 --dev-count 2 --test-count 2 --out corpora/dates")
    XCTAssertNil(ToyCorpus.distinctSourceBound(task: .dates, minLength: 1, maxLength: 2, vocabularySize: 2))
    XCTAssertEqual(ToyCorpus.distinctSourceBound(task: .sort, minLength: 1, maxLength: 2, vocabularySize: 3), 12)
  }

  func testWrittenReadmeDescribesTheTask() throws {
    let directory = try makeTemporaryDirectory(self).appendingPathComponent("numbers").path
    try ToyCorpus.generate(task: .numbers, seed: 1, trainCount: 20, devCount: 3, testCount: 3).write(to: directory)
    let readme = try String(contentsOfFile: directory + "/README.md", encoding: .utf8)
    XCTAssertTrue(readme.contains("# Toy corpus: numbers"))
    XCTAssertTrue(readme.contains("`three hundred and five` | `3 0 5`"))
    XCTAssertEqual(try PharaohFormat.read(path: directory + "/dev.align").count, 3)
  }
}
