#if canImport(Glibc)
  import Glibc
#endif

/// The two ways attention turns the scores of one row's window positions lo..<hi into weights,
/// each forward beside its backward. Scores are overwritten by weights in place; positions outside
/// the window are not touched (the caller zeroes them). Rows are at most a sentence long (S ≤ a
/// few hundred), so these are plain scalar loops.
public enum Normalizers {
  /// α_j = exp(z_j − max z) / Σ_k exp(z_k − max z).
  @inline(__always)
  public static func softmax(_ z: UnsafeMutablePointer<Float>, lo: Int, hi: Int) {
    var maxScore = -Float.infinity
    for j in lo..<hi { maxScore = max(maxScore, z[j]) }
    var total: Float = 0
    for j in lo..<hi {
      let e = expf(z[j] - maxScore)
      z[j] = e
      total += e
    }
    let inv = 1 / total
    for j in lo..<hi { z[j] *= inv }
  }

  /// Given α and dα (in `d`), writes dz_j = α_j (dα_j − Σ_k α_k dα_k) into `d`.
  @inline(__always)
  public static func softmaxBackward(_ alpha: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, lo: Int, hi: Int) {
    var weighted: Float = 0
    for j in lo..<hi { weighted += alpha[j] * d[j] }
    for j in lo..<hi { d[j] = alpha[j] * (d[j] - weighted) }
  }

  /// Sparsemax (Martins & Astudillo 2016): the Euclidean projection of z onto the simplex,
  /// α_j = max(z_j − τ, 0) with τ chosen so that Σ α = 1. With z sorted descending, the support
  /// size is k = max{k : 1 + k z_(k) > Σ_{r≤k} z_(r)} and τ = (Σ_{r≤k} z_(r) − 1) / k.
  /// `scratch` holds at least hi − lo floats (the sorted copy; insertion sort, rows are short).
  @inline(__always)
  public static func sparsemax(
    _ z: UnsafeMutablePointer<Float>, lo: Int, hi: Int, scratch: UnsafeMutablePointer<Float>
  ) {
    let m = hi - lo
    for r in 0..<m {
      let value = z[lo + r]
      var k = r
      while k > 0 && scratch[k - 1] < value {
        scratch[k] = scratch[k - 1]
        k -= 1
      }
      scratch[k] = value
    }
    var cumulative: Float = 0, supportSum: Float = 0
    var support = 0
    for r in 0..<m {
      cumulative += scratch[r]
      if 1 + Float(r + 1) * scratch[r] > cumulative {
        support = r + 1
        supportSum = cumulative
      }
    }
    let tau = (supportSum - 1) / Float(support)
    for j in lo..<hi { z[j] = max(z[j] - tau, 0) }
  }

  /// Sparsemax's Jacobian is diag(s) − s sᵀ / |s| for the support indicator s, so
  /// dz_j = s_j (dα_j − mean_{k ∈ support} dα_k). Positions with α_j = 0 get exactly 0.
  @inline(__always)
  public static func sparsemaxBackward(_ alpha: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, lo: Int, hi: Int) {
    var sum: Float = 0
    var support = 0
    for j in lo..<hi where alpha[j] > 0 {
      sum += d[j]
      support += 1
    }
    let mean = sum / Float(max(support, 1))
    for j in lo..<hi { d[j] = alpha[j] > 0 ? d[j] - mean : 0 }
  }
}

/// A normaliser as a value, what `Attention` holds for its `attention_normalizer`: scores of one
/// row's window lo..<hi become weights in place, and back.
protocol WeightNormalizer {
  func normalize(_ z: UnsafeMutablePointer<Float>, lo: Int, hi: Int, scratch: UnsafeMutablePointer<Float>)
  /// Given α and ∂L/∂α (in `d`), writes ∂L/∂z into `d`.
  func backward(_ alpha: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, lo: Int, hi: Int)
}

struct SoftmaxNormalizer: WeightNormalizer {
  func normalize(_ z: UnsafeMutablePointer<Float>, lo: Int, hi: Int, scratch: UnsafeMutablePointer<Float>) {
    Normalizers.softmax(z, lo: lo, hi: hi)
  }
  func backward(_ alpha: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, lo: Int, hi: Int) {
    Normalizers.softmaxBackward(alpha, d, lo: lo, hi: hi)
  }
}

struct SparsemaxNormalizer: WeightNormalizer {
  func normalize(_ z: UnsafeMutablePointer<Float>, lo: Int, hi: Int, scratch: UnsafeMutablePointer<Float>) {
    Normalizers.sparsemax(z, lo: lo, hi: hi, scratch: scratch)
  }
  func backward(_ alpha: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, lo: Int, hi: Int) {
    Normalizers.sparsemaxBackward(alpha, d, lo: lo, hi: hi)
  }
}

extension AttentionNormalizer {
  /// The normaliser this choice names.
  var function: WeightNormalizer {
    switch self {
    case .softmax: return SoftmaxNormalizer()
    case .sparsemax: return SparsemaxNormalizer()
    }
  }
}
