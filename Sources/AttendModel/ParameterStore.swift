import AttendKernels

/// Index of one named parameter tensor inside a `ParameterStore`.
public struct ParameterID: Hashable, Sendable {
  public let index: Int
}

/// Name, shape and place of one parameter tensor in the flat buffers.
public struct ParameterInfo: Sendable, Equatable {
  public let name: String
  public let shape: [Int]
  public let offset: Int
  public var count: Int { shape.reduce(1, *) }
}

/// Every parameter of a model in one contiguous allocation, with named views.
///
/// Gradients use the same layout, and so do the optimiser's moments, so the optimiser is one flat
/// loop and a checkpoint is a header plus raw floats. Tensors are laid out in registration order
/// with no gaps, so two tensors registered one after the other can be used as one matrix (the
/// decoder relies on that to do its recurrent and attention-query products in one call).
public final class ParameterStore {
  public private(set) var infos: [ParameterInfo] = []
  public private(set) var values = FloatBuffer(count: 0)
  public private(set) var gradients = FloatBuffer(count: 0)
  private var byName: [String: ParameterID] = [:]
  private var sealed = false

  public init() {}

  /// Declares a tensor. All declarations come before `seal()`.
  @discardableResult
  public func declare(_ name: String, _ shape: [Int]) -> ParameterID {
    precondition(!sealed, "declare parameters before sealing the store")
    precondition(byName[name] == nil, "parameter \(name) declared twice")
    precondition(shape.allSatisfy { $0 > 0 }, "parameter \(name) has an empty shape \(shape)")
    let offset = infos.last.map { $0.offset + $0.count } ?? 0
    let id = ParameterID(index: infos.count)
    infos.append(ParameterInfo(name: name, shape: shape, offset: offset))
    byName[name] = id
    return id
  }

  /// Allocates the value and gradient buffers (zeroed).
  public func seal() {
    precondition(!sealed)
    sealed = true
    values = FloatBuffer(count: count)
    gradients = FloatBuffer(count: count)
  }

  /// Total number of scalar parameters.
  public var count: Int { infos.last.map { $0.offset + $0.count } ?? 0 }

  public func id(named name: String) -> ParameterID? { byName[name] }

  public subscript(id: ParameterID) -> ParameterInfo { infos[id.index] }

  @inline(__always)
  public func value(_ id: ParameterID) -> UnsafeMutablePointer<Float> {
    values.pointer + infos[id.index].offset
  }

  @inline(__always)
  public func gradient(_ id: ParameterID) -> UnsafeMutablePointer<Float> {
    gradients.pointer + infos[id.index].offset
  }

  public func zeroGradients() { gradients.zero() }

  /// True when `second` starts right where `first` ends.
  public func areAdjacent(_ first: ParameterID, _ second: ParameterID) -> Bool {
    infos[first.index].offset + infos[first.index].count == infos[second.index].offset
  }
}
