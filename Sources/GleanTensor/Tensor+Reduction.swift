import Foundation

extension Tensor {
    /// Sum over `axes` (every axis when empty).
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let value = ReductionKernels.sum(self, axes: axes, keepDims: keepDims)
        let inputShape = shape
        let resolved = axes.isEmpty ? Array(0..<rank) : axes.map { shape.normalizedAxis($0, op: "sum") }
        return Tensor.recorded("sum", shape: value.shape, storage: value.storage, inputs: [self]) { g in
            var kept = inputShape.dims
            for axis in resolved { kept[axis] = 1 }
            return [ElementwiseKernels.expand(g.reshaped(to: Shape(kept)), to: inputShape)]
        }
    }

    /// Sum along one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (every axis when empty).
    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let resolved = axes.isEmpty ? Array(0..<rank) : Set(axes.map { shape.normalizedAxis($0, op: "mean") }).sorted()
        let reduced = resolved.reduce(1) { $0 * shape.dims[$1] }
        return sum(axes: resolved, keepDims: keepDims) * (1 / Float(Swift.max(reduced, 1)))
    }

    /// Mean along one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `unbiased` divides by n − 1 (PyTorch's default) instead of n.
    public func variance(axes: [Int] = [], unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let resolved = axes.isEmpty ? Array(0..<rank) : Set(axes.map { shape.normalizedAxis($0, op: "variance") }).sorted()
        let n = resolved.reduce(1) { $0 * shape.dims[$1] }
        let centered = self - mean(axes: resolved, keepDims: true)
        let divisor = Float(Swift.max(unbiased ? n - 1 : n, 1))
        return centered.squared().sum(axes: resolved, keepDims: keepDims) * (1 / divisor)
    }

    /// Largest value along `axis`; the gradient goes to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "max")
        let indices = ReductionKernels.argmax(self, axis: axis)
        return gatherAlong(axis: axis, indices: indices, keepDims: keepDims, op: "max")
    }

    /// Smallest value along `axis`.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { -((-self).max(axis: axis, keepDims: keepDims)) }

    /// Largest element of the whole tensor (no gradient).
    public func max() -> Float { scalars.max() ?? -.infinity }
    /// Smallest element of the whole tensor (no gradient).
    public func min() -> Float { scalars.min() ?? .infinity }

    /// Index of the largest value along `axis`, as integers in row-major order of the other axes.
    public func argmax(axis: Int = -1) -> [Int] {
        ReductionKernels.argmax(self, axis: shape.normalizedAxis(axis, op: "argmax"))
    }

    /// log(Σ exp(x)) along `axis`, computed stably.
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "logSumExp")
        let peak = max(axis: axis, keepDims: true).detached()
        let result = (self - peak).exp().sum(axis: axis, keepDims: true).log() + peak
        return keepDims ? result : result.squeezed(axis: axis)
    }

    /// `x / max(‖x‖₂, epsilon)` along `axis`.
    public func l2Normalized(axis: Int = -1, epsilon: Float = 1e-12) -> Tensor {
        let norm = squared().sum(axis: axis, keepDims: true).sqrt().clamped(min: epsilon)
        return self / norm
    }

    /// Picks one element per position along `axis` (indices as from `argmax`), with gradient.
    private func gatherAlong(axis: Int, indices: [Int], keepDims: Bool, op: String) -> Tensor {
        let (outer, length, inner) = ReductionKernels.split(shape, axis: axis)
        var kept = shape
        kept.dims[axis] = 1
        let source = plainStorage
        let values = Tensor(shape: kept) { buffer in
            for o in 0..<outer {
                for i in 0..<inner {
                    buffer[o * inner + i] = source.pointer[(o * length + indices[o * inner + i]) * inner + i]
                }
            }
        }
        let inputShape = shape
        let result = Tensor.recorded(op, shape: kept, storage: values.storage, inputs: [self]) { g in
            let upstream = g.plainStorage
            return [Tensor(shape: inputShape) { buffer in
                buffer.initialize(repeating: 0)
                for o in 0..<outer {
                    for i in 0..<inner {
                        buffer[(o * length + indices[o * inner + i]) * inner + i] = upstream.pointer[o * inner + i]
                    }
                }
            }]
        }
        return keepDims ? result : result.squeezed(axis: axis)
    }
}
