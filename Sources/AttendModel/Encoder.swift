import AttendKernels

// Shapes: B batch, S source length, E embedding, H hidden per direction, C = 2H (bidirectional)
// or H. Rows are time-major: row t * B + b.

/// The encoder: source embeddings, then N stacked GRU layers, each reading one way or both.
///
///     x⁰ = dropout(E x)                         [S*B, E]
///     hˡ = [GRU→ˡ(xˡ); GRU←ˡ(xˡ)]               [S*B, C]   (padding keeps the state)
///     xˡ⁺¹ = dropout(hˡ)
///
/// The top layer's states are the annotations h̄ that attention reads; its final states (the
/// forward direction after each sentence's last word, the backward one after its first) can start
/// the decoder. Parameter names are torch.nn.GRU(num_layers: N, bidirectional:)'s, e.g.
/// `encoder.rnn.weight_ih_l1_reverse`, so the PyTorch mirror loads them unchanged.
public struct Encoder {
  public let embedding: Embedding
  public let forwardLayers: [GRU]
  /// Empty for a unidirectional encoder.
  public let backwardLayers: [GRU]
  public let embeddingSize: Int
  public let hiddenSize: Int

  public var layers: Int { forwardLayers.count }
  public var bidirectional: Bool { !backwardLayers.isEmpty }
  /// C.
  public var outputSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }

  public init(
    _ store: ParameterStore, vocabulary: Int, embedding e: Int, hidden h: Int, layers: Int, bidirectional: Bool
  ) {
    precondition(layers >= 1)
    embedding = Embedding(store, "encoder.embedding", vocabulary: vocabulary, size: e)
    var forward: [GRU] = [], backward: [GRU] = []
    let c = bidirectional ? 2 * h : h
    for l in 0..<layers {
      let input = l == 0 ? e : c
      forward.append(GRU(store, "encoder.rnn", suffix: "_l\(l)", input: input, hidden: h, reverse: false))
      if bidirectional {
        backward.append(GRU(store, "encoder.rnn", suffix: "_l\(l)_reverse", input: input, hidden: h, reverse: true))
      }
    }
    forwardLayers = forward
    backwardLayers = backward
    embeddingSize = e
    hiddenSize = h
  }

  /// The GRU weights, layer by layer, forward direction before backward (the embedding table is
  /// initialised by the model, with the target one).
  public func initialize(
    _ store: ParameterStore, input: InitScheme, recurrent: InitScheme, range: Float, rng: inout RandomGenerator
  ) {
    for l in 0..<layers {
      forwardLayers[l].initialize(store, input: input, recurrent: recurrent, range: range, rng: &rng)
      if bidirectional {
        backwardLayers[l].initialize(store, input: input, recurrent: recurrent, range: range, rng: &rng)
      }
    }
  }

  /// What one batch keeps for the backward pass. Buffers grow to the largest batch seen.
  public final class Activations {
    public final class Layer {
      let forward = GRU.Activations()
      let backward = GRU.Activations()
      /// [S*B, C] hˡ in time order, the directions side by side.
      let states = FloatBuffer(count: 0)
      /// [S*B, C] dropout mask taking hˡ to xˡ⁺¹, and xˡ⁺¹ itself (layers below the top, in training).
      let dropout = FloatBuffer(count: 0)
      let dropped = FloatBuffer(count: 0)
      /// [S*B, C] ∂L/∂hˡ.
      let dStates = FloatBuffer(count: 0)
    }

    /// [S*B] 1 for a real token, 0 for padding.
    let mask = FloatBuffer(count: 0)
    /// [S*B, E] x⁰ (after dropout) and its dropout mask.
    let embedded = FloatBuffer(count: 0)
    let embeddingDropout = FloatBuffer(count: 0)
    var layers: [Layer] = []
    let dEmbedded = FloatBuffer(count: 0)  // [S*B, E]
    /// [B, H] ∂L/∂ the top layer's final states, per direction.
    let dFinalForward = FloatBuffer(count: 0)
    let dFinalBackward = FloatBuffer(count: 0)
    public init() {}

    /// The top layer: its states are h̄.
    var top: Layer { layers[layers.count - 1] }

    /// `keepsEveryStep`: whether backward will run (training), so the GRUs keep every step.
    func prepare(
      _ encoder: Encoder, batch b: Int, sourceLength s: Int, lengths: [Int32], dropout: Bool,
      keepsEveryStep: Bool = true
    ) {
      let (e, h, c) = (encoder.embeddingSize, encoder.hiddenSize, encoder.outputSize)
      while layers.count < encoder.layers { layers.append(Layer()) }
      if layers.count > encoder.layers { layers.removeLast(layers.count - encoder.layers) }
      for layer in layers {
        layer.forward.keepsEveryStep = keepsEveryStep
        layer.backward.keepsEveryStep = keepsEveryStep
      }
      mask.resize(s * b)
      for t in 0..<s {
        for bi in 0..<b { mask[t * b + bi] = t < Int(lengths[bi]) ? 1 : 0 }
      }
      embedded.resize(s * b * e)
      embeddingDropout.resize(dropout ? s * b * e : 0)
      dEmbedded.resize(s * b * e)
      for (l, layer) in layers.enumerated() {
        layer.states.resize(s * b * c)
        layer.dStates.resize(s * b * c)
        let below = dropout && l + 1 < layers.count
        layer.dropout.resize(below ? s * b * c : 0)
        layer.dropped.resize(below ? s * b * c : 0)
      }
      dFinalForward.resize(b * h)
      dFinalBackward.resize(b * h)
    }

    /// Draws every dropout mask of the encoder (embeddings, then each layer below the top).
    func sampleDropout(rate: Float, rng: inout RandomGenerator) {
      Dropout.sample(embeddingDropout.pointer, count: embeddingDropout.count, rate: rate, rng: &rng)
      for layer in layers.dropLast() {
        Dropout.sample(layer.dropout.pointer, count: layer.dropout.count, rate: rate, rng: &rng)
      }
    }
  }

  /// Layer l's input xˡ and its row stride.
  @inline(__always)
  func input(_ act: Activations, layer l: Int, dropout: Bool) -> (UnsafeMutablePointer<Float>, Int) {
    if l == 0 { return (act.embedded.pointer, embeddingSize) }
    let below = act.layers[l - 1]
    return (dropout ? below.dropped.pointer : below.states.pointer, outputSize)
  }

  /// Encodes B sources of S steps: fills every layer's states (the top's are h̄).
  public func forward(
    _ store: ParameterStore, _ act: Activations, tokens: UnsafeBufferPointer<Int32>, steps s: Int, batch b: Int,
    dropout: Bool
  ) {
    let (e, h, c) = (embeddingSize, hiddenSize, outputSize)
    embedding.forward(store, ids: tokens, out: act.embedded.pointer, ldo: e)
    if dropout { Dropout.apply(act.embeddingDropout.pointer, to: act.embedded.pointer, rows: s * b, width: e, ldx: e) }
    for l in 0..<layers {
      let layer = act.layers[l]
      let (x, ldx) = input(act, layer: l, dropout: dropout)
      forwardLayers[l].forward(
        store, x: x, ldx: ldx, steps: s, batch: b, masks: act.mask.pointer, act: layer.forward)
      if bidirectional {
        backwardLayers[l].forward(
          store, x: x, ldx: ldx, steps: s, batch: b, masks: act.mask.pointer, act: layer.backward)
      }
      // States in time order, directions side by side: [S*B, C].
      for t in 0..<s {
        let fwd = layer.forward.states.pointer + forwardLayers[l].stateBlock(time: t, length: s) * b * h
        for bi in 0..<b { (layer.states.pointer + (t * b + bi) * c).update(from: fwd + bi * h, count: h) }
        if bidirectional {
          let bwd = layer.backward.states.pointer + backwardLayers[l].stateBlock(time: t, length: s) * b * h
          for bi in 0..<b { (layer.states.pointer + (t * b + bi) * c + h).update(from: bwd + bi * h, count: h) }
        }
      }
      if dropout && l + 1 < layers {
        Dropout.apply(
          layer.dropout.pointer, from: layer.states.pointer, ldx: c, to: layer.dropped.pointer, rows: s * b, width: c)
      }
    }
  }

  /// [B, C] the top layer's final states: each direction's last processing block (masking carried
  /// every sentence's own final state there).
  public func finalStates(_ act: Activations, steps s: Int, batch b: Int, into out: UnsafeMutablePointer<Float>) {
    let (h, c) = (hiddenSize, outputSize)
    let top = act.top
    for bi in 0..<b {
      let dst = out + bi * c
      dst.update(from: top.forward.states.pointer + (s * b + bi) * h, count: h)
      if bidirectional { (dst + h).update(from: top.backward.states.pointer + (s * b + bi) * h, count: h) }
    }
  }

  /// Backpropagates from `act.top.dStates` (∂L/∂h̄) and, when `final` is true, from
  /// `act.dFinalForward`/`dFinalBackward` (∂L/∂ final states); accumulates parameter gradients.
  public func backward(
    _ store: ParameterStore, _ act: Activations, tokens: UnsafeBufferPointer<Int32>, steps s: Int, batch b: Int,
    dropout: Bool, final: Bool
  ) {
    let (e, h, c) = (embeddingSize, hiddenSize, outputSize)
    for l in stride(from: layers - 1, through: 0, by: -1) {
      let layer = act.layers[l]
      let (x, ldx) = input(act, layer: l, dropout: dropout)
      // ∂L/∂xˡ lands in ∂L/∂hˡ⁻¹ (or ∂L/∂x⁰), then goes back through the dropout mask.
      let dx = l == 0 ? act.dEmbedded : act.layers[l - 1].dStates
      dx.zero()
      let isTop = l == layers - 1
      forwardLayers[l].backward(
        store, x: x, ldx: ldx, steps: s, batch: b, masks: act.mask.pointer, act: layer.forward,
        dOut: layer.dStates.pointer, lddOut: c, dFinal: isTop && final ? act.dFinalForward.pointer : nil,
        dx: dx.pointer, lddx: ldx)
      if bidirectional {
        backwardLayers[l].backward(
          store, x: x, ldx: ldx, steps: s, batch: b, masks: act.mask.pointer, act: layer.backward,
          dOut: layer.dStates.pointer + h, lddOut: c, dFinal: isTop && final ? act.dFinalBackward.pointer : nil,
          dx: dx.pointer, lddx: ldx)
      }
      if dropout {
        let mask = l == 0 ? act.embeddingDropout : act.layers[l - 1].dropout
        Dropout.apply(mask.pointer, to: dx.pointer, rows: s * b, width: ldx, ldx: ldx)
      }
    }
    embedding.backward(store, ids: tokens, dOut: act.dEmbedded.pointer, ldo: e)
  }
}
