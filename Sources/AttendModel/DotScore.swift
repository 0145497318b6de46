import AttendKernels

// Shapes: B batch, S source length, C encoder state width, Dq query width, n heads, d = Dq / n
// one head's slice. Encoder rows are time-major: j * B + b.

/// Luong's `dot` and Vaswani et al.'s scaled dot product, on the raw decoder state:
///
///     e_j = f q_k · h̄_j[k]          f = 1 (dot) or 1/√d (scaled-dot);  needs Dq = C
struct DotScore: AttentionScore {
  let scale: Float
  let querySize: Int
  let heads: Int

  init(scaled: Bool, query: Int, heads: Int) {
    querySize = query
    self.heads = heads
    scale = scaled ? 1 / Float(query / heads).squareRoot() : 1
  }

  var queryWeight: ParameterID? { nil }
  var keyWeight: ParameterID? { nil }
  var v: ParameterID? { nil }
  var keySize: Int { querySize }
  var headWidth: Int { querySize / heads }

  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {}

  func scores(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    projected: UnsafePointer<Float>, keys: UnsafePointer<Float>, invT: Float, into e: UnsafeMutablePointer<Float>
  ) {
    let (dh, b, bi) = (headWidth, site.batch, site.sentence)
    // e_j = q_k · key_j[k] · f / τ
    let q = query + site.head * dh
    let f = scale * invT
    for j in site.lo..<site.hi {
      e[j] = VectorMath.dot(q, keys + (j * b + bi) * keySize + site.head * dh, count: dh) * f
    }
  }

  func scoresBackward(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, dScores: UnsafePointer<Float>, invT: Float, dQuery: UnsafeMutablePointer<Float>,
    dProjected: UnsafeMutablePointer<Float>, dKeys: UnsafeMutablePointer<Float>
  ) {
    let (dh, b, bi) = (headWidth, site.batch, site.sentence)
    // e_j = f q_k · key_j  →  dq_k += f de_j key_j,  dkey_j += f de_j q_k
    let q = query + site.head * dh, dq = dQuery + site.head * dh
    let f = scale * invT
    for j in site.lo..<site.hi {
      let de = dScores[j] * f
      if de == 0 { continue }
      let keyRow = (j * b + bi) * keySize + site.head * dh
      VectorMath.axpy(de, keys + keyRow, dq, count: dh)
      VectorMath.axpy(de, q, dKeys + keyRow, count: dh)
    }
  }
}

/// Luong's `general`: a dot score over keys projected once per batch,
///
///     e_j = q_k · (W_a h̄_j)[k]          W_a [Dq, C]
struct GeneralScore: AttentionScore {
  let keyWeight: ParameterID?  // W_a [Dq, C]
  let product: DotScore

  init(_ store: ParameterStore, _ name: String, query: Int, context: Int, heads: Int) {
    keyWeight = store.declare("\(name).key.weight", [query, context])
    product = DotScore(scaled: false, query: query, heads: heads)
  }

  var queryWeight: ParameterID? { nil }
  var v: ParameterID? { nil }
  var keySize: Int { product.keySize }
  var headWidth: Int { product.headWidth }

  func initialize(_ store: ParameterStore, scheme: InitScheme, range: Float, rng: inout RandomGenerator) {
    let shape = store[keyWeight!].shape
    Initialization.fill(store.value(keyWeight!), rows: shape[0], columns: shape[1], scheme: scheme, range: range, rng: &rng)
  }

  func scores(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    projected: UnsafePointer<Float>, keys: UnsafePointer<Float>, invT: Float, into e: UnsafeMutablePointer<Float>
  ) {
    product.scores(store, act, site, query: query, projected: projected, keys: keys, invT: invT, into: e)
  }

  func scoresBackward(
    _ store: ParameterStore, _ act: Attention.Activations, _ site: ScoreSite, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, dScores: UnsafePointer<Float>, invT: Float, dQuery: UnsafeMutablePointer<Float>,
    dProjected: UnsafeMutablePointer<Float>, dKeys: UnsafeMutablePointer<Float>
  ) {
    product.scoresBackward(
      store, act, site, query: query, keys: keys, dScores: dScores, invT: invT, dQuery: dQuery,
      dProjected: dProjected, dKeys: dKeys)
  }
}
