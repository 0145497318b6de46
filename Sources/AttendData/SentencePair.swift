/// One tokenised translation pair: a source sentence and its target.
public struct SentencePair: Equatable, Hashable, Sendable {
  public var source: [String]
  public var target: [String]

  public init(source: [String], target: [String]) {
    self.source = source
    self.target = target
  }
}
