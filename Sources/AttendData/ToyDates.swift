import AttendKernels

/// The `dates` task: a calendar date written one of eight ways → its ISO 8601 form as five
/// tokens, `2021 - 03 - 05`.
///
/// The date is uniform over the days of 1900…2099 (year uniform, then month, then a valid day).
/// The format is uniform over `Format.allCases`. The year, month and day are the only fields that
/// carry over, so their source tokens have sure links to the target's year, month and day; each
/// `-` of the target has possible links to the two fields it separates. Filler words (`the`,
/// `of`, `,`, separators, the weekday) have no link.
enum ToyDates {
  static let months = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
  ]
  static let monthAbbreviations = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]
  static let weekdays = [
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
  ]

  /// The ways a date is written, with an example for 5 March 2021.
  enum Format: CaseIterable {
    case monthDayYear  // March 5 , 2021
    case dayMonthYear  // 5 March 2021
    case abbreviated  // Mar 5 2021
    case ordinal  // the 5th of March 2021
    case weekday  // Friday , March 5 , 2021
    case numericUS  // 03 / 05 / 2021 (month first)
    case numericEuropean  // 5 . 3 . 2021 (day first)
    case dashed  // 05 - Mar - 2021
  }

  static let description = """
    The source is a date between 1 January 1900 and 31 December 2099 written one of eight ways;
    the target is the same date in ISO 8601 form, as five tokens. For 5 March 2021 (a Friday):

    | source | target |
    |---|---|
    | `March 5 , 2021` | `2021 - 03 - 05` |
    | `5 March 2021` | `2021 - 03 - 05` |
    | `Mar 5 2021` | `2021 - 03 - 05` |
    | `the 5th of March 2021` | `2021 - 03 - 05` |
    | `Friday , March 5 , 2021` | `2021 - 03 - 05` |
    | `03 / 05 / 2021` (month first) | `2021 - 03 - 05` |
    | `5 . 3 . 2021` (day first) | `2021 - 03 - 05` |
    | `05 - Mar - 2021` | `2021 - 03 - 05` |

    The date is drawn uniformly (year, then month, then a valid day; leap years included) and the
    weekday is the true one. Gold alignment: the source's year, month and day tokens have sure links
    to the target's year, month and day; each target `-` has possible links to the source tokens of
    the two fields it separates; filler words (`the`, `of`, `,`, `/`, `.`, `-`, the weekday) have no
    link. The fields move (the year comes last in most sources and first in the target), so the
    alignment is not monotonic.
    """

  static func isLeap(_ year: Int) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// 0 = Sunday … 6 = Saturday (Sakamoto's method, Gregorian calendar).
  static func weekday(year: Int, month: Int, day: Int) -> Int {
    let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
    let y = month < 3 ? year - 1 : year
    return (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
  }

  /// "1st", "2nd", "3rd", "4th", …, "11th", "12th", "13th", "21st", "22nd", "23rd", "31st".
  static func ordinal(_ day: Int) -> String {
    if (11...13).contains(day % 100) { return "\(day)th" }
    switch day % 10 {
    case 1: return "\(day)st"
    case 2: return "\(day)nd"
    case 3: return "\(day)rd"
    default: return "\(day)th"
    }
  }

  static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

  static func sample(_ rng: inout RandomGenerator) -> ToyExample {
    let year = 1900 + rng.nextInt(below: 200)
    let month = 1 + rng.nextInt(below: 12)
    let day = 1 + rng.nextInt(below: daysIn(month: month, year: year))
    let format = Format.allCases[rng.nextInt(below: Format.allCases.count)]
    return example(year: year, month: month, day: day, format: format)
  }

  static func example(year: Int, month: Int, day: Int, format: Format) -> ToyExample {
    var b = ToyExampleBuilder()
    let monthName = months[month - 1]
    let yearText = String(year)
    var (y, m, d) = (0, 0, 0)  // source positions of the fields
    switch format {
    case .monthDayYear:
      m = b.source(monthName); d = b.source(String(day)); b.source(","); y = b.source(yearText)
    case .dayMonthYear:
      d = b.source(String(day)); m = b.source(monthName); y = b.source(yearText)
    case .abbreviated:
      m = b.source(monthAbbreviations[month - 1]); d = b.source(String(day)); y = b.source(yearText)
    case .ordinal:
      b.source("the"); d = b.source(ordinal(day)); b.source("of"); m = b.source(monthName)
      y = b.source(yearText)
    case .weekday:
      b.source(weekdays[weekday(year: year, month: month, day: day)]); b.source(",")
      m = b.source(monthName); d = b.source(String(day)); b.source(","); y = b.source(yearText)
    case .numericUS:
      m = b.source(twoDigits(month)); b.source("/"); d = b.source(twoDigits(day)); b.source("/")
      y = b.source(yearText)
    case .numericEuropean:
      d = b.source(String(day)); b.source("."); m = b.source(String(month)); b.source(".")
      y = b.source(yearText)
    case .dashed:
      d = b.source(twoDigits(day)); b.source("-"); m = b.source(monthAbbreviations[month - 1])
      b.source("-"); y = b.source(yearText)
    }
    b.target(yearText, sure: [y])
    b.target("-", possible: [y, m])
    b.target(twoDigits(month), sure: [m])
    b.target("-", possible: [m, d])
    b.target(twoDigits(day), sure: [d])
    return b.example
  }
}
