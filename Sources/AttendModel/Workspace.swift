import AttendData
import AttendKernels

/// Every activation and gradient buffer of one forward/backward pass, sized for the largest
/// batch seen so far and reused, so training steps do not allocate.
public final class Workspace {
  public private(set) var batch = 0
  public private(set) var sourceLength = 0
  public private(set) var decoderSteps = 0
  var sourceTokens: [Int32] = []
  var sourceLengths: [Int32] = []
  /// [T*B] decoder input tokens actually fed (teacher forcing may replace some).
  var decoderInputs: [Int32] = []

  let sourceMask = FloatBuffer(count: 0)  // [S*B] 1 real, 0 padding
  let sourceEmbedded = FloatBuffer(count: 0)  // [S*B, E]
  let encoderForward = GRU.Activations()
  let encoderBackward = GRU.Activations()
  let encoderStates = FloatBuffer(count: 0)  // [S*B, C]
  let finalStates = FloatBuffer(count: 0)  // [B, C]
  let initialState = FloatBuffer(count: 0)  // [B, H] s_0
  let keys = FloatBuffer(count: 0)  // [S*B, A] U_a h_j
  let z = FloatBuffer(count: 0)  // [T*B, E + C + H]
  let decoderGI = FloatBuffer(count: 0)  // [T*B, 3H]
  let decoderG = FloatBuffer(count: 0)  // [T*B, 3H + A] recurrent projection | query
  let decoderGates = FloatBuffer(count: 0)  // [T*B, 3H]
  let attentionPre = FloatBuffer(count: 0)  // [T, S*B, A] tanh(query + key)
  /// [T*B, S] attention weights: row (i, b) is α_i of sentence b.
  public let attentionWeights = FloatBuffer(count: 0)
  let readoutOut = FloatBuffer(count: 0)  // [T*B, E]
  /// [T*B, V] logits (replaced by their gradient during training).
  public let logits = FloatBuffer(count: 0)

  let dReadout = FloatBuffer(count: 0)  // [T*B, E]
  let dZ = FloatBuffer(count: 0)  // [T*B, E + C + H]
  let dGI = FloatBuffer(count: 0)  // [T*B, 3H]
  let dG = FloatBuffer(count: 0)  // [T*B, 3H + A]
  let dState = FloatBuffer(count: 0)  // [B, H]
  let dCarry = FloatBuffer(count: 0)  // [B, H]
  let dEncoderStates = FloatBuffer(count: 0)  // [S*B, C]
  let dKeys = FloatBuffer(count: 0)  // [S*B, A]
  let dFinalStates = FloatBuffer(count: 0)  // [B, C]
  let dFinalForward = FloatBuffer(count: 0)  // [B, H]
  let dFinalBackward = FloatBuffer(count: 0)  // [B, H]
  let dSourceEmbedded = FloatBuffer(count: 0)  // [S*B, E]

  public init() {}

  /// Sets the decoder input of one sentence at one step (for search, which feeds predictions).
  public func setDecoderInput(step i: Int, sentence b: Int, token: Int32) {
    decoderInputs[i * batch + b] = token
  }

  /// Sizes the buffers for a batch and `decoderSteps` decoder steps; decoder inputs are the
  /// batch's teacher-forced inputs when they cover that many steps, `<s>` then padding otherwise.
  public func prepare(batch: Batch, model m: Seq2Seq, decoderSteps t: Int) {
    let (b, s) = (batch.size, batch.sourceLength)
    self.batch = b
    sourceLength = s
    decoderSteps = t
    sourceTokens = batch.sourceTokens
    sourceLengths = batch.sourceLengths
    if batch.targetLength == t {
      decoderInputs = batch.targetInput
    } else {
      decoderInputs = [Int32](repeating: SpecialToken.pad, count: t * b)
      for bi in 0..<b { decoderInputs[bi] = SpecialToken.bos }
    }
    let (e, h, c, a, v) = (m.e, m.h, m.c, m.a, m.targetVocabularySize)
    sourceMask.resize(s * b)
    for ti in 0..<s {
      for bi in 0..<b { sourceMask[ti * b + bi] = ti < Int(batch.sourceLengths[bi]) ? 1 : 0 }
    }
    sourceEmbedded.resize(s * b * e)
    encoderStates.resize(s * b * c)
    finalStates.resize(b * c)
    initialState.resize(b * h)
    keys.resize(s * b * a)
    z.resize(t * b * m.zWidth)
    decoderGI.resize(t * b * 3 * h)
    decoderG.resize(t * b * m.gWidth)
    decoderGates.resize(t * b * 3 * h)
    attentionPre.resize(t * s * b * a)
    attentionWeights.resize(t * b * s)
    readoutOut.resize(t * b * e)
    logits.resize(t * b * v)
    dReadout.resize(t * b * e)
    dZ.resize(t * b * m.zWidth)
    dGI.resize(t * b * 3 * h)
    dG.resize(t * b * m.gWidth)
    dState.resize(b * h)
    dCarry.resize(b * h)
    dEncoderStates.resize(s * b * c)
    dKeys.resize(s * b * a)
    dFinalStates.resize(b * c)
    dFinalForward.resize(b * h)
    dFinalBackward.resize(b * h)
    dSourceEmbedded.resize(s * b * e)
  }
}
