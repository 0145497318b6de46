import AttendKernels

/// Carves dev and test sets off a training corpus, deterministically for a seed.
///
/// Pairs whose source sentences are equal up to case, Unicode variants and spacing (see
/// `groupKey`) form a group, and a group is never split: in Tatoeba-style corpora one English
/// sentence has several translations, and a dev sentence whose twin is in train would measure
/// memory, not translation. The groups, in order of first appearance, are shuffled with
/// `RandomGenerator(seed:)`; going through them once, a whole group goes to dev while it still fits
/// in `devSize`, else to test while it fits in `testSize`, else to train (the recipe of
/// `../shared/corpora/make_splits.py`). Each split keeps the corpus order. Dev and test can come
/// out smaller than asked when the last groups that would fill them are too big.
public enum DataSplit {
  public struct Result: Equatable, Sendable {
    public var train: [RawPair]
    public var dev: [RawPair]
    public var test: [RawPair]
  }

  /// What makes two sources "the same sentence": lowercase, NFKC, punctuation split, joiner marks
  /// dropped, single spaces.
  public static func groupKey(_ source: String) -> String {
    let tokenizer = Tokenizer(lowercase: true, normalization: .nfkc, splitPunctuation: true)
    return tokenizer.tokenize(source).map { token in
      String(token.filter { $0 != Tokenizer.joiner })
    }.joined(separator: " ")
  }

  /// Splits `pairs` into train, dev (at most `devSize` pairs) and test (at most `testSize`).
  /// Throws `DataError.invalidSplit` when no training pair would be left.
  public static func carve(
    _ pairs: [RawPair], devSize: Int, testSize: Int, seed: UInt64
  ) throws -> Result {
    precondition(devSize >= 0 && testSize >= 0, "split sizes are counts")
    guard devSize + testSize < pairs.count else {
      throw DataError.invalidSplit(
        reason: "dev_size \(devSize) + test_size \(testSize) leaves none of the \(pairs.count) "
          + "pairs for training; lower them")
    }
    var groupOf: [String: Int] = [:]
    var groups: [[Int]] = []
    for (i, pair) in pairs.enumerated() {
      let key = groupKey(pair.source)
      if let g = groupOf[key] {
        groups[g].append(i)
      } else {
        groupOf[key] = groups.count
        groups.append([i])
      }
    }
    var rng = RandomGenerator(seed: seed)
    rng.shuffle(&groups)
    var split = [UInt8](repeating: 0, count: pairs.count)  // 0 train, 1 dev, 2 test
    var (devCount, testCount) = (0, 0)
    for group in groups {
      if devCount + group.count <= devSize {
        devCount += group.count
        for i in group { split[i] = 1 }
      } else if testCount + group.count <= testSize {
        testCount += group.count
        for i in group { split[i] = 2 }
      }
    }
    var result = Result(train: [], dev: [], test: [])
    for (i, pair) in pairs.enumerated() {
      switch split[i] {
      case 1: result.dev.append(pair)
      case 2: result.test.append(pair)
      default: result.train.append(pair)
      }
    }
    if devSize > 0 && result.dev.isEmpty {
      throw DataError.invalidSplit(
        reason: "every group of equal source sentences has more than dev_size \(devSize) pairs; "
          + "raise dev_size")
    }
    return result
  }
}
