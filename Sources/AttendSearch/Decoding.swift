import AttendModel

/// Decoding a whole list of sentences: length-sorted chunks (less padding), greedy or beam search
/// by `SearchOptions`, results back in input order.
public enum Decoding {
  /// N-best lists, best first, one per source, in input order. Sources must be non-empty. A chunk
  /// holds at most `maxRows` decoder rows (sentences × beam size), which bounds the workspace.
  public static func translate(
    _ model: Seq2Seq, sources: [[Int32]], options: SearchOptions, maxRows: Int = 64,
    workspace: Workspace = Workspace()
  ) -> [[Translation]] {
    precondition(options.problems.isEmpty, "decoding: \(options.problems)")
    precondition(sources.allSatisfy { !$0.isEmpty }, "decoding: every source needs at least one token")
    let order = sources.indices.sorted { (sources[$0].count, $0) < (sources[$1].count, $1) }
    let chunkSize = max(1, maxRows / options.beamSize)
    var results = [[Translation]](repeating: [], count: sources.count)
    var start = 0
    while start < order.count {
      let chunk = Array(order[start..<min(start + chunkSize, order.count)])
      let chunkSources = chunk.map { sources[$0] }
      let out: [[Translation]]
      // Greedy is beam search with K = 1 (a test pins that), minus the bookkeeping; it has no
      // minimum length.
      if options.beamSize == 1 && options.minLength == 0 {
        let decoder = Seq2SeqStepDecoder(
          model: model, workspace: workspace, attention: options.attentionMode(for: model.config))
        out = GreedySearch.search(decoder, sources: chunkSources, maxLengthRatio: options.maxLengthRatio).map { [$0] }
      } else {
        out = BeamSearch.translate(model, sources: chunkSources, options: options, workspace: workspace)
      }
      for (k, index) in chunk.enumerated() { results[index] = out[k] }
      start += chunkSize
    }
    return results
  }
}
