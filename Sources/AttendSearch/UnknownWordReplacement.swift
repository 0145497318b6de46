import AttendData

/// The classic replace-unk (Luong et al. 2015, "Addressing the Rare Word Problem"; Jean et al.
/// 2015): a model with a closed vocabulary writes `<unk>` for words it cannot spell, most often
/// names and numbers that should be copied from the source. Each `<unk>` is replaced by the source
/// word the model attended to most when it produced it.
public enum UnknownWordReplacement {
  /// `target` with every `<unk>` replaced. `attention[j]` holds the weights over `source` for
  /// output position j (a `Translation`'s attention, whose rows line up with its tokens); a
  /// position without weights keeps its `<unk>`. Ties go to the earlier source word.
  public static func apply(target: [String], source: [String], attention: [[Float]]) -> [String] {
    let unknown = SpecialToken.strings[Int(SpecialToken.unk)]
    return target.enumerated().map { j, word in
      guard word == unknown, j < attention.count, !attention[j].isEmpty else { return word }
      let row = attention[j].prefix(source.count)
      guard let best = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }) else {
        return word
      }
      return source[best]
    }
  }
}
