import GleanTensor

/// A trainable tensor owned by a module. Its `value` is a leaf that accumulates gradients
/// while `isTrainable`; freezing detaches it so no gradient is computed.
public final class Parameter {
    /// The current values (a leaf tensor; updated in place by optimizers).
    public private(set) var value: Tensor

    /// Whether gradients are computed for this parameter.
    public var isTrainable: Bool {
        didSet {
            guard isTrainable != oldValue else { return }
            value = isTrainable ? value.detached().requiringGrad() : value.detached()
        }
    }

    /// Creates a trainable parameter holding `value`.
    public init(_ value: Tensor, trainable: Bool = true) {
        isTrainable = trainable
        self.value = trainable ? value.detached().requiringGrad() : value.detached()
    }

    /// The gradient accumulated since the last `zeroGrad()`.
    public var grad: Tensor? { value.grad }

    /// Clears the accumulated gradient.
    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the values (same shape), e.g. when loading a checkpoint.
    public func assign(_ newValue: Tensor) {
        require(newValue.shape == value.shape, "Parameter.assign: shape \(newValue.shape) differs from \(value.shape)")
        value = isTrainable ? newValue.detached().contiguous().requiringGrad() : newValue.detached().contiguous()
    }
}

/// A non-trainable tensor a module keeps and saves (e.g. batch norm's running statistics).
public final class Buffer {
    /// The current values; updated in place by the owning layer.
    public private(set) var value: Tensor

    public init(_ value: Tensor) { self.value = value.contiguous() }

    /// Replaces the values (same shape), e.g. when loading a checkpoint.
    public func assign(_ newValue: Tensor) {
        require(newValue.shape == value.shape, "Buffer.assign: shape \(newValue.shape) differs from \(value.shape)")
        value = newValue.detached().contiguous()
    }
}
