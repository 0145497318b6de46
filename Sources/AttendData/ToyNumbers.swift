import AttendKernels

/// The `numbers` task: an English number in words → its decimal digits, one token each
/// (`three hundred and five` → `3 0 5`).
///
/// Numbers run from 0 to 999,999; the digit count is uniform in 1…6, then the number is uniform
/// among those with that many digits, so short and long numbers are equally common. Half of the
/// sentences use the British `and` (`three hundred and five`, `two thousand and seven`).
enum ToyNumbers {
  static let units = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
  ]
  static let tens = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
  ]

  static let description = """
    The source is a whole number from 0 to 999,999 written in English words, the target its
    decimal digits, one token per digit:

    | source | target |
    |---|---|
    | `forty two` | `4 2` |
    | `three hundred and five` | `3 0 5` |
    | `twelve thousand six hundred` | `1 2 6 0 0` |
    | `five thousand and seven` | `5 0 0 7` |

    The digit count is uniform in 1…6, then the number is uniform among those with that many
    digits; half of the sentences use the British `and` after `hundred` / `thousand`. Gold
    alignment: a digit written by a word has a sure link to it (`four` → 4, `forty` → 4 of the
    tens, a teen like `twelve` → both of its digits). A zero digit no word writes has a possible
    link to the word that fixes its place: `hundred` of its group, else the tens word before it
    (`forty` → the 0 of 40), else `thousand` (the zeros of `five thousand and seven`). `and` has
    no link. Target digits appear in the opposite order to the place words that make them
    (`twelve thousand` writes 1 2 before the zeros that `thousand` implies), so the attention
    must move back and forth.
    """

  static func sample(_ rng: inout RandomGenerator) -> ToyExample {
    let digits = 1 + rng.nextInt(below: 6)
    let low = digits == 1 ? 0 : power10(digits - 1)
    let n = low + rng.nextInt(below: power10(digits) - low)
    let british = rng.nextInt(below: 2) == 1
    return example(n, british: british)
  }

  static func power10(_ k: Int) -> Int { (0..<k).reduce(1) { r, _ in r * 10 } }

  /// The pair for `n` (0…999,999); `british` adds `and` where British English says it.
  static func example(_ n: Int, british: Bool) -> ToyExample {
    precondition((0...999_999).contains(n), "numbers run from 0 to 999,999")
    var b = ToyExampleBuilder()
    let digits = Array(String(n)).map(String.init)
    if n == 0 {
      let zero = b.source("zero")
      b.target("0", sure: [zero])
      return b.example
    }
    // Links collected per target digit, then written in digit order.
    var sure = [[Int]](repeating: [], count: digits.count)
    var possible = [[Int]](repeating: [], count: digits.count)
    /// The target index of the digit with place value 10^place, if the number has that digit.
    func index(_ place: Int) -> Int? {
      let j = digits.count - 1 - place
      return j >= 0 ? j : nil
    }
    func linkSure(_ place: Int, _ word: Int) {
      if let j = index(place) { sure[j].append(word) }
    }
    func linkZero(_ place: Int, _ word: Int?) {
      if let j = index(place), let word { possible[j].append(word) }
    }
    /// Writes the words of a group 0…999 whose digits have place values `offset`…`offset + 2`.
    /// `scale` is the position of `thousand` for the lower group of a number ≥ 1000.
    func group(_ value: Int, offset: Int, scale: Int?) {
      let (hundreds, rest) = (value / 100, value % 100)
      var hundred: Int? = nil
      if hundreds > 0 {
        linkSure(offset + 2, b.source(units[hundreds]))
        hundred = b.source("hundred")
        if british && rest > 0 { b.source("and") }
      } else {
        linkZero(offset + 2, scale)
      }
      let placeWord = hundred ?? scale
      switch rest {
      case 0:
        linkZero(offset + 1, placeWord)
        linkZero(offset, placeWord)
      case 1..<10:
        linkZero(offset + 1, placeWord)
        linkSure(offset, b.source(units[rest]))
      case 10..<20:
        let teen = b.source(units[rest])
        linkSure(offset + 1, teen)
        linkSure(offset, teen)
      default:
        let ten = b.source(tens[rest / 10])
        linkSure(offset + 1, ten)
        if rest % 10 > 0 {
          linkSure(offset, b.source(units[rest % 10]))
        } else {
          linkZero(offset, ten)
        }
      }
    }
    let (high, low) = (n / 1000, n % 1000)
    if high > 0 {
      group(high, offset: 3, scale: nil)
      let thousand = b.source("thousand")
      if british && low > 0 && low < 100 { b.source("and") }
      group(low, offset: 0, scale: thousand)
    } else {
      group(low, offset: 0, scale: nil)
    }
    for j in digits.indices { b.target(digits[j], sure: sure[j], possible: possible[j]) }
    return b.example
  }
}
