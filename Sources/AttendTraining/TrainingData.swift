import AttendData

/// The corpora of one experiment, tokenised, filtered and turned into ids.
public struct TrainingData {
  public var sourceVocabulary: Vocabulary
  public var targetVocabulary: Vocabulary
  public var train: [EncodedPair]
  public var dev: [SentencePair]
  public var devEncoded: [EncodedPair]
  /// Training pairs dropped because a side was longer than `max_length`.
  public var droppedTooLong: Int
  public var tokenizer: Tokenizer

  /// Reads the train and dev files of `config`, drops over-long training pairs and builds the
  /// vocabularies from what remains.
  public init(config: DataConfig) throws {
    tokenizer = Tokenizer(lowercase: config.lowercase)
    let allTrain = try ParallelCorpus.readTSV(path: config.train, tokenizer: tokenizer)
    let kept = allTrain.filter {
      $0.source.count <= config.maxLength && $0.target.count <= config.maxLength
    }
    droppedTooLong = allTrain.count - kept.count
    if kept.isEmpty { throw DataError.emptyCorpus(path: config.train) }
    sourceVocabulary = Vocabulary.build(
      from: kept.map(\.source), minFrequency: config.minFrequency, maxSize: config.maxVocabulary)
    targetVocabulary = Vocabulary.build(
      from: kept.map(\.target), minFrequency: config.minFrequency, maxSize: config.maxVocabulary)
    let (sv, tv) = (sourceVocabulary, targetVocabulary)
    train = kept.enumerated().map {
      EncodedPair(source: sv.encode($0.element.source), target: tv.encode($0.element.target), index: $0.offset)
    }
    dev = try ParallelCorpus.readTSV(path: config.dev, tokenizer: tokenizer)
    devEncoded = dev.enumerated().map {
      EncodedPair(source: sv.encode($0.element.source), target: tv.encode($0.element.target), index: $0.offset)
    }
  }
}
