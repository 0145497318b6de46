import AttendKernels

/// The fused element-wise part of a GRU step (PyTorch's gate order r, z, n):
///
///     r  = σ(gi_r + gh_r)            gi = W_ih x + b_ih   [B, 3H]
///     z  = σ(gi_z + gh_z)            gh = W_hh h + b_hh   [B, 3H]
///     n  = tanh(gi_n + r ⊙ gh_n)
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// A row whose mask is 0 (padding) keeps its state: h' = h. The matrix products are done by the
/// caller; these kernels do everything between them in one pass, vectorised over H.
public enum GRUCell {
  /// Writes h' into `hOut` and (r, z, n) into `gates` [B, 3H] for the backward pass.
  @inlinable
  public static func forward(
    batch: Int, hidden h: Int,
    gi: UnsafePointer<Float>, ldgi: Int, gh: UnsafePointer<Float>, ldgh: Int,
    hPrev: UnsafePointer<Float>, ldhPrev: Int, mask: UnsafePointer<Float>?,
    hOut: UnsafeMutablePointer<Float>, ldhOut: Int, gates: UnsafeMutablePointer<Float>
  ) {
    for b in 0..<batch {
      let giRow = gi + b * ldgi, ghRow = gh + b * ldgh
      let prev = hPrev + b * ldhPrev, out = hOut + b * ldhOut, g = gates + b * 3 * h
      if let mask, mask[b] == 0 {
        out.update(from: prev, count: h)
        g.update(repeating: 0, count: 3 * h)
        continue
      }
      var j = 0
      while j < h {
        let w = min(16, h - j)
        let r = VectorMath.sigmoid(
          VectorMath.load(giRow + j, count: w) + VectorMath.load(ghRow + j, count: w))
        let z = VectorMath.sigmoid(
          VectorMath.load(giRow + h + j, count: w) + VectorMath.load(ghRow + h + j, count: w))
        let n = VectorMath.tanh(
          VectorMath.load(giRow + 2 * h + j, count: w)
            + r * VectorMath.load(ghRow + 2 * h + j, count: w))
        let hp = VectorMath.load(prev + j, count: w)
        VectorMath.store(n + z * (hp - n), out + j, count: w)
        VectorMath.store(r, g + j, count: w)
        VectorMath.store(z, g + h + j, count: w)
        VectorMath.store(n, g + 2 * h + j, count: w)
        j += 16
      }
    }
  }

  /// Given dh = ∂L/∂h' [B, H], writes ∂L/∂gi and ∂L/∂gh [B, 3H] and the direct part of
  /// ∂L/∂h (dh ⊙ z; the caller adds dgh · W_hh). Masked rows pass dh straight through.
  @inlinable
  public static func backward(
    batch: Int, hidden h: Int,
    dh: UnsafePointer<Float>, lddh: Int, hPrev: UnsafePointer<Float>, ldhPrev: Int,
    gates: UnsafePointer<Float>, gh: UnsafePointer<Float>, ldgh: Int,
    mask: UnsafePointer<Float>?,
    dgi: UnsafeMutablePointer<Float>, lddgi: Int, dgh: UnsafeMutablePointer<Float>, lddgh: Int,
    dhPrev: UnsafeMutablePointer<Float>, lddhPrev: Int
  ) {
    for b in 0..<batch {
      let d = dh + b * lddh, prev = hPrev + b * ldhPrev, g = gates + b * 3 * h
      let ghRow = gh + b * ldgh, dgiRow = dgi + b * lddgi, dghRow = dgh + b * lddgh
      let dprev = dhPrev + b * lddhPrev
      if let mask, mask[b] == 0 {
        dprev.update(from: d, count: h)
        dgiRow.update(repeating: 0, count: 3 * h)
        dghRow.update(repeating: 0, count: 3 * h)
        continue
      }
      var j = 0
      while j < h {
        let w = min(16, h - j)
        let dhv = VectorMath.load(d + j, count: w)
        let r = VectorMath.load(g + j, count: w)
        let z = VectorMath.load(g + h + j, count: w)
        let n = VectorMath.load(g + 2 * h + j, count: w)
        let hp = VectorMath.load(prev + j, count: w)
        // h' = n + z (h − n)
        let dn = dhv * (1 - z)
        let dz = dhv * (hp - n)
        let dan = dn * (1 - n * n)  // through tanh
        let ghn = VectorMath.load(ghRow + 2 * h + j, count: w)
        let dr = dan * ghn
        let daz = dz * z * (1 - z)  // through σ
        let dar = dr * r * (1 - r)
        VectorMath.store(dar, dgiRow + j, count: w)
        VectorMath.store(daz, dgiRow + h + j, count: w)
        VectorMath.store(dan, dgiRow + 2 * h + j, count: w)
        VectorMath.store(dar, dghRow + j, count: w)
        VectorMath.store(daz, dghRow + h + j, count: w)
        VectorMath.store(dan * r, dghRow + 2 * h + j, count: w)
        VectorMath.store(dhv * z, dprev + j, count: w)
        j += 16
      }
    }
  }
}
