import AttendKernels

// Shapes: B batch, S source length, C encoder state width, Dq query width, A attention size,
// d = A / n one head's slice. Encoder rows are time-major: j * B + b.

/// Bahdanau's additive score (Luong's `concat` is the same function):
///
///     e_j = v_a · tanh(W_a q + U_a h̄_j)        head k: the k-th slice of W_a q, U_a h̄_j and v_a
///
/// W_a q arrives projected (the decoder computes it with its recurrent product); U_a h̄ is
/// projected once per batch. tanh(·) of every (step, position) is kept for backward.
struct AdditiveScore: AttentionScore {
  let queryWeight: ParameterID?  // W_a [A, Dq]
  let keyWeight: ParameterID?  // U_a [A, C]
  let v: ParameterID?  // v_a [A]
  let attentionSize: Int
  let heads: Int

  init(
    _ store: ParameterStore, _ name: String, query: Int, context: Int, attention: Int, heads: Int,
    _ afterQuerySide: () -> Void
  ) {
    queryWeight = store.declare("\(name).query.weight", [attention, query])
    afterQuerySide()
    keyWeight = store.declare("\(name).key.weight", [attention, context])
    v = store.declare("\(name).v", [attention])
    attentionSize = attention
    self.heads = heads
  }

  var keySize: Int { attentionSize }
  var headWidth: Int { attentionSize / heads }

  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    let shape = store[keyWeight!].shape
    Initialization.fill(store.value(keyWeight!), rows: shape[0], columns: shape[1], scheme: scheme, range: range, rng: &rng)
    Initialization.fill(store.value(v!), rows: 1, columns: attentionSize, scheme: scheme, range: range, rng: &rng)
  }

  /// Step i's tanh features of (position j, sentence b), head k's slice.
  @inline(__always)
  func features(_ act: Attention.Activations, _ site: ScoreSite, position j: Int) -> UnsafeMutablePointer<Float> {
    let (b, s) = (site.batch, site.sourceLength)
    return act.pre.pointer + (act.preStep(site.step) * s * b + j * b + site.sentence) * attentionSize
      + site.head * headWidth
  }

  func scores(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    projected: UnsafePointer<Float>, keys: UnsafePointer<Float>, invT: Float, into e: UnsafeMutablePointer<Float>
  ) {
    let (dh, b, bi) = (headWidth, site.batch, site.sentence)
    // e_j = v_k · tanh((W_a q)_k + (U_a h̄_j)_k)
    let q = projected + site.head * dh, vk = UnsafePointer(store.value(v!)) + site.head * dh
    for j in site.lo..<site.hi {
      let key = keys + (j * b + bi) * keySize + site.head * dh
      let p = features(act, site, position: j)
      var acc = Float16x()
      var x = 0
      while x < dh {
        let w = min(16, dh - x)
        let t = VectorMath.tanh(VectorMath.load(q + x, count: w) + VectorMath.load(key + x, count: w))
        VectorMath.store(t, p + x, count: w)
        acc += t * VectorMath.load(vk + x, count: w)
        x += 16
      }
      e[j] = acc.sum() * invT
    }
  }

  func scoresBackward(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, dScores: UnsafePointer<Float>, invT: Float, dQuery: UnsafeMutablePointer<Float>,
    dProjected: UnsafeMutablePointer<Float>, dKeys: UnsafeMutablePointer<Float>
  ) {
    let (dh, b, bi) = (headWidth, site.batch, site.sentence)
    // e_j = v_k · t_j / τ, t_j = tanh(q_k + key_j)
    let dq = dProjected + site.head * dh
    let vk = UnsafePointer(store.value(v!)) + site.head * dh, dvk = store.gradient(v!) + site.head * dh
    for j in site.lo..<site.hi {
      let de = dScores[j] * invT
      let p = features(act, site, position: j)
      let dk = dKeys + (j * b + bi) * keySize + site.head * dh
      var x = 0
      while x < dh {
        let w = min(16, dh - x)
        let t = VectorMath.load(p + x, count: w)
        let dpre = de * VectorMath.load(vk + x, count: w) * (1 - t * t)
        VectorMath.store(VectorMath.load(dvk + x, count: w) + de * t, dvk + x, count: w)
        VectorMath.store(VectorMath.load(dq + x, count: w) + dpre, dq + x, count: w)
        VectorMath.store(VectorMath.load(dk + x, count: w) + dpre, dk + x, count: w)
        x += 16
      }
    }
  }
}
