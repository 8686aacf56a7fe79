import Foundation

/// An n-dimensional array of `Float` with reverse-mode automatic differentiation.
///
/// A `Tensor` is a value: ops return new tensors and never change their inputs. It holds a
/// reference to immutable storage, so copies are cheap. Tensors that require gradients record
/// the op that produced them; `backward()` on a scalar result fills `grad` on every leaf that
/// requires it.
public struct Tensor: @unchecked Sendable {
    /// Logical shape, PyTorch order (`[N, C, H, W]` for images).
    public let shape: Shape
    var storage: TensorStorage
    let node: AutogradNode?

    init(shape: Shape, storage: TensorStorage, node: AutogradNode? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// Element type.
    public var dtype: DType { storage.dtype }
    /// Number of axes.
    public var rank: Int { shape.rank }
    /// Number of elements.
    public var count: Int { shape.count }
    /// Whether gradients flow back through this tensor.
    public var requiresGrad: Bool { node != nil }
    /// Whether the storage is in a oneDNN blocked layout rather than plain row-major.
    public var isBlocked: Bool { storage.layout != nil }

    /// The same values, detached from the autograd graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// The same values as a new leaf that accumulates gradients in `grad`.
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, node: AutogradNode(leafOf: shape))
    }

    /// The accumulated gradient of a leaf tensor (nil before any backward pass, or after `zeroGrad`).
    public var grad: Tensor? { node?.grad }

    /// Who this tensor is in the autograd graph (nil when it records no gradient): the identity
    /// that `backward(leafDone:)` reports when this leaf's gradient is complete.
    public var gradientIdentity: ObjectIdentifier? { node.map(ObjectIdentifier.init) }

    /// Clears the accumulated gradient of a leaf tensor.
    public func zeroGrad() { node?.grad = nil }

    /// Replaces the accumulated gradient of a leaf tensor (data-parallel training writes the
    /// average over its processes here); `gradient` must have the tensor's shape.
    public func replaceGrad(with gradient: Tensor) {
        require(node?.isLeaf == true, "replaceGrad: only a leaf tensor that requires gradients accumulates one")
        require(gradient.shape == shape, "replaceGrad: gradient shape \(gradient.shape) differs from \(shape)")
        node?.grad = gradient.detached()
    }

    /// The same values in plain row-major memory (reorders from a blocked layout if needed).
    public func contiguous() -> Tensor {
        guard storage.layout != nil else { return self }
        return Tensor(shape: shape, storage: Reorder.plainStorage(self), node: node)
    }

    /// Plain storage of this tensor, for kernels that index elements.
    var plainStorage: TensorStorage { Reorder.plainStorage(self) }

    /// All elements in row-major order.
    public var scalars: [Float] {
        let plain = plainStorage
        return Array(UnsafeBufferPointer(start: plain.pointer, count: count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        require(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1")
        return plainStorage.pointer[0]
    }

    /// Overwrites the values in place. Only for optimizer updates and running statistics:
    /// every other op returns a new tensor. The body sees plain row-major elements.
    public func withUnsafeMutableScalars<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        require(storage.layout == nil, "withUnsafeMutableScalars: tensor is in a blocked layout")
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Increases whenever the values are overwritten in place (optimizer steps, running
    /// statistics); together with `sharesStorage(with:)` it tells whether a cached result
    /// computed from this tensor is still valid.
    public var version: Int { storage.version }

    /// Whether both tensors read the same memory.
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    /// Reads the values as plain row-major elements without copying when possible.
    public func withUnsafeScalars<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let plain = plainStorage
        return try withExtendedLifetime(plain) {
            try body(UnsafeBufferPointer(start: plain.pointer, count: count))
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars
        let shown = values.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(values.count > 8 ? ", ..." : "")])"
    }
}
