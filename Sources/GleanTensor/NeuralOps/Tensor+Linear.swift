extension Tensor {
    /// Affine map `x · weightᵀ + bias`, as PyTorch's `linear`.
    ///
    /// - Parameters:
    ///   - weight: `[out, in]`.
    ///   - bias: `[out]` or nil.
    /// - Returns: `[N, out]` for an input of `[N, in]`.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        require(rank == 2, "linear: input must be [N, in], got \(shape)")
        require(weight.rank == 2 && weight.shape[1] == shape[1],
                     "linear: input shape \(shape) does not match weight shape \(weight.shape) ([out, in])")
        if let bias {
            require(bias.shape == [weight.shape[0]], "linear: bias shape \(bias.shape) must be [\(weight.shape[0])]")
        }
        var value = Gemm.product(self, weight, transposeB: true)
        if let bias {
            value = ElementwiseKernels.combine(value, bias.detached(), op: "linear bias", Add())
        }
        let x = self.detached(), w = weight.detached()
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let result = Tensor.recorded("linear", shape: value.shape, storage: value.storage, inputs: inputs) { g in
            let inputGradient = self.requiresGrad ? Gemm.product(g, w) : nil
            let weightGradient = weight.requiresGrad ? Gemm.product(g, transposeA: true, x) : nil
            let biasGradient = bias.map { _ in ReductionKernels.sum(g, axes: [0], keepDims: false) }
            return [inputGradient, weightGradient] + (bias == nil ? [] : [biasGradient])
        }
        OpTrace.note(.linear, inputs: inputs, output: result)
        return result
    }
}
