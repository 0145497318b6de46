import AttendData
import AttendModel

// Shapes: B sentences, K beam size, R = B·K decoder rows (row b·K + k is hypothesis k of sentence
// b), S padded source length, V target vocabulary.

/// What search needs from a model: R decoder rows advanced one step at a time, and a way to let
/// rows continue from other rows' states (beam search; greedy search uses one row per sentence and
/// never reorders). Seq2Seq implements it (`Seq2SeqStepDecoder`); tests implement it with
/// hand-built distributions to pin the search itself.
public protocol StepDecoder: AnyObject {
  /// V.
  var vocabularySize: Int { get }
  /// Encodes `sources` and prepares R = sources.count × beamSize rows (row b·K + k decodes
  /// sources[b]) for up to `steps` decoder steps.
  func start(sources: [[Int32]], beamSize: Int, steps: Int)
  /// Decoder step i with `inputs[r]` as row r's previous token (`<s>` at step 0). Returns the
  /// logits [R, V] of step i, rows V apart; they stay valid until the next call.
  func step(_ i: Int, inputs: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float>
  /// Attention weights of step i: row r starts at `pointer + r * stride`; its first
  /// `sources[b].count` entries are the weights of the real source positions.
  func attentionWeights(step i: Int) -> (pointer: UnsafePointer<Float>, stride: Int)
  /// After step i: row r continues from the state row `parents[r]` had (parents are rows of the
  /// same sentence).
  func reorder(afterStep i: Int, parents: UnsafeBufferPointer<Int32>)
}

/// A Seq2Seq model as a `StepDecoder`: each source is encoded K times, once per beam row, so every
/// row has its own encoder states and the model's batched step runs R rows unchanged. Every step
/// runs with the attention mode given at construction (the search's temperature and hard
/// attention); the model itself keeps no decoding state. (Encoding is
/// a small part of decoding: S encoder steps against up to 2S + 5 decoder steps with attention and
/// a V-wide output layer each.)
public final class Seq2SeqStepDecoder: StepDecoder {
  public let model: Seq2Seq
  public let workspace: Workspace
  /// The attention mode of every step (temperature, hard attention).
  public let attention: AttentionMode
  private var rows = 0

  /// `attention` nil: the model's decoding settings.
  public init(model: Seq2Seq, workspace: Workspace = Workspace(), attention: AttentionMode? = nil) {
    self.model = model
    self.workspace = workspace
    self.attention = attention ?? model.config.attentionMode(for: .decoding)
  }

  public var vocabularySize: Int { model.targetVocabularySize }

  public func start(sources: [[Int32]], beamSize: Int, steps: Int) {
    let repeated = sources.flatMap { Array(repeating: $0, count: beamSize) }
    let batch = Batch.make(sources: repeated, targets: repeated.map { _ in [] })
    rows = repeated.count
    workspace.prepare(batch: batch, model: model, decoderSteps: steps, attention: attention)
    model.encode(workspace)
  }

  public func step(_ i: Int, inputs: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float> {
    for r in 0..<rows { workspace.setDecoderInput(step: i, sentence: r, token: inputs[r]) }
    model.embedDecoderInputs(workspace, row: i * rows, count: rows)
    model.decoderStep(workspace, step: i)
    model.outputRows(workspace, row: i * rows, count: rows)
    return workspace.logits.pointer + workspace.blockRow(i * rows) * model.targetVocabularySize
  }

  public func attentionWeights(step i: Int) -> (pointer: UnsafePointer<Float>, stride: Int) {
    let s = workspace.sourceLength
    return (UnsafePointer(workspace.attentionWeights.pointer + i * rows * s), s)
  }

  public func reorder(afterStep i: Int, parents: UnsafeBufferPointer<Int32>) {
    model.reorderDecoderState(workspace, step: i, sourceRows: parents)
  }
}
