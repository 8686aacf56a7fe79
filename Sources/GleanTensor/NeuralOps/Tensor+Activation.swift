
extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor {
        activation("relu", .init(function: .reluFromOutput, alpha: 0, usesOutputForBackward: true))
    }

    /// x for x > 0, `negativeSlope · x` otherwise.
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        require(negativeSlope >= 0, "leakyRelu: negative slope \(negativeSlope) must be >= 0")
        return activation("leakyRelu", .init(function: .reluFromOutput, alpha: negativeSlope,
                                            usesOutputForBackward: true))
    }

    /// GELU with the exact erf form (PyTorch's default).
    public func gelu() -> Tensor {
        activation("gelu", .init(function: .geluErf, alpha: 0, usesOutputForBackward: false))
    }

    /// 1 / (1 + e^-x).
    public func sigmoid() -> Tensor {
        activation("sigmoid", .init(function: .logisticFromOutput, alpha: 0, usesOutputForBackward: true))
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        activation("tanh", .init(function: .tanhFromOutput, alpha: 0, usesOutputForBackward: true))
    }

    private func activation(_ name: String, _ activation: EltwiseKernels.Activation) -> Tensor {
        let output = EltwiseKernels.forward(self, activation)
        let saved = activation.usesOutputForBackward ? output : self.detached()
        let result = Tensor.recorded(name, shape: shape, storage: output.storage, inputs: [self]) { g in
            [EltwiseKernels.backward(g, saved: saved, activation)]
        }
        OpTrace.note(.activation(name: name, alpha: activation.alpha), inputs: [self], output: result)
        return result
    }
}

extension Tensor {
    /// `relu(a + b)` in one pass (the end of a residual block); both operands must have the
    /// same shape. Keeps a shared blocked layout.
    ///
    /// When nothing is recorded and `a` is the only reference to its memory (a block's own
    /// intermediate in inference), the result is written into that memory instead of new memory.
    public static func reluOfSum(_ a: consuming Tensor, _ b: Tensor) -> Tensor {
        require(a.shape == b.shape, "reluOfSum: shapes \(a.shape) and \(b.shape) differ")
        if !(GradMode.isEnabled && (a.requiresGrad || b.requiresGrad)),
           isKnownUniquelyReferenced(&a.storage) {
            let target = a.storage
            let right = target.layout.map { Reorder.storage(b, as: $0.desc) } ?? b.plainStorage
            let count = target.layout == nil ? a.count : target.physicalCount
            let out = target.pointer, rp = right.pointer
            parallelChunks(count) { range in
                for index in range { out[index] = Swift.max(out[index] + rp[index], 0) }
            }
            // (Never while an `OpTrace` records: the trace holds a reference to every tensor it saw.)
            return withExtendedLifetime(right) { Tensor(shape: a.shape, storage: target) }
        }
        let value = ElementwiseKernels.combine(a, b, op: "reluOfSum", zeroPreserving: true, ReLUOfSum())
        let operands = [a, b]
        let result = recorded("reluOfSum", shape: value.shape, storage: value.storage, inputs: operands) { g in
            let masked = ElementwiseKernels.combine(g, value, op: "reluOfSum backward", zeroPreserving: true, PassWherePositive())
            return [masked, masked]
        }
        OpTrace.note(.reluOfSum, inputs: operands, output: result)
        return result
    }
}
