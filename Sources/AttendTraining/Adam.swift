import AttendKernels
import AttendModel

/// Adam (Kingma & Ba 2015) with bias correction. Its moments share the parameter store's flat
/// layout, so an update is one vectorised loop over all parameters.
public final class Adam {
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// First and second moment estimates, laid out like the parameters.
  public let m: FloatBuffer
  public let v: FloatBuffer
  /// Updates taken so far.
  public private(set) var step = 0

  public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    m = FloatBuffer(count: parameterCount)
    v = FloatBuffer(count: parameterCount)
  }

  /// Restores the moments and step count (from a checkpoint).
  public func restore(m mValues: [Float], v vValues: [Float], step: Int) {
    precondition(mValues.count == m.count && vValues.count == v.count)
    for i in 0..<m.count {
      m[i] = mValues[i]
      v[i] = vValues[i]
    }
    self.step = step
  }

  /// θ ← θ − lr · m̂ / (√v̂ + ε) using the gradients in `store`.
  public func update(_ store: ParameterStore, learningRate: Float) {
    step += 1
    let n = store.count
    let correction1 = 1 - Float(Double(beta1).power(step))
    let correction2 = 1 - Float(Double(beta2).power(step))
    let stepSize = learningRate / correction1
    let invSqrtCorrection2 = 1 / correction2.squareRoot()
    let (b1, b2, eps) = (beta1, beta2, epsilon)
    let p = store.values.pointer, g = store.gradients.pointer
    let mp = m.pointer, vp = v.pointer
    var i = 0
    while i < n {
      let w = min(16, n - i)
      let gv = VectorMath.load(g + i, count: w)
      let mv = b1 * VectorMath.load(mp + i, count: w) + (1 - b1) * gv
      let vv = b2 * VectorMath.load(vp + i, count: w) + (1 - b2) * gv * gv
      VectorMath.store(mv, mp + i, count: w)
      VectorMath.store(vv, vp + i, count: w)
      let denominator = vv.squareRoot() * invSqrtCorrection2 + eps
      VectorMath.store(VectorMath.load(p + i, count: w) - stepSize * mv / denominator, p + i, count: w)
      i += 16
    }
  }
}

extension Double {
  fileprivate func power(_ n: Int) -> Double {
    var result = 1.0
    for _ in 0..<n { result *= self }
    return result
  }
}

/// Rescales all gradients so their global L2 norm is at most `maxNorm` (0 disables clipping).
/// Returns the norm before clipping.
@discardableResult
public func clipGradients(_ store: ParameterStore, maxNorm: Float) -> Float {
  let norm = Float(VectorMath.sumOfSquares(store.gradients.pointer, count: store.count).squareRoot())
  if maxNorm > 0 && norm > maxNorm {
    let scale = maxNorm / (norm + 1e-6)
    let g = store.gradients.pointer
    var i = 0
    let n = store.count
    while i < n {
      let w = min(16, n - i)
      VectorMath.store(VectorMath.load(g + i, count: w) * scale, g + i, count: w)
      i += 16
    }
  }
  return norm
}
