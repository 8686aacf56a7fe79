extension Tensor {
    /// Batch normalisation over axis 1 of `[N, C, ...]` (2-D `[N, C]` or 4-D `[N, C, H, W]`).
    ///
    /// In training mode (`training == true`) it normalises with the batch's statistics and
    /// updates `runningMean` / `runningVariance` in place with `momentum` (PyTorch's convention:
    /// `running = (1 - momentum) · running + momentum · batch`, the variance unbiased). In eval
    /// mode it normalises with the running statistics.
    ///
    /// - Parameters:
    ///   - scale, shift: `[C]` (γ and β).
    ///   - runningMean, runningVariance: `[C]`, plain; updated in place when training.
    ///   - relu: apply ReLU to the result in the same pass (`batchNorm(...).relu()` in one
    ///     read and write of the activations, forward and backward).
    ///   - sumOverProcesses: in data-parallel training, sums values over the processes in place;
    ///     training then normalises with the statistics of every process's batch together
    ///     (synchronised batch norm, forward and backward). Nil: this batch's own statistics.
    public func batchNorm(scale: Tensor, shift: Tensor, runningMean: Tensor, runningVariance: Tensor,
                          training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5, relu: Bool = false,
                          sumOverProcesses: ((inout [Double]) -> Void)? = nil) -> Tensor {
        require(rank == 2 || rank == 4, "batchNorm: input must be [N, C] or [N, C, H, W], got \(shape)")
        let channels = shape[1]
        for (name, vector) in [("scale", scale), ("shift", shift), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
            require(vector.shape == [channels], "batchNorm: \(name) shape \(vector.shape) must be [\(channels)] for input \(shape)")
        }
        // oneDNN normalises 4-D data; a [N, C] batch is treated as [N, C, 1, 1].
        let input = rank == 2 ? reshaped(to: [shape[0], channels, 1, 1]) : self
        let reduced = input.count / Swift.max(channels, 1)
        if training, let sumOverProcesses {
            let output = input.synchronizedBatchNorm(scale: scale, shift: shift, runningMean: runningMean, runningVariance: runningVariance,
                                                     momentum: momentum, epsilon: epsilon, relu: relu, sumOverProcesses: sumOverProcesses)
            return rank == 2 ? output.reshaped(to: shape) : output
        }
        if training {
            require(reduced > 1, "batchNorm: training needs more than one value per channel, got input shape \(shape)")
        }
        let result = BatchNormKernels.forward(input, scale: scale, shift: shift,
                                              mean: training ? nil : runningMean, variance: training ? nil : runningVariance,
                                              epsilon: epsilon, relu: relu)
        if training {
            let correction = Float(reduced) / Float(reduced - 1)
            let batchMean = result.mean.pointer, batchVariance = result.variance.pointer
            runningMean.withUnsafeMutableScalars { running in
                for c in 0..<channels { running[c] = (1 - momentum) * running[c] + momentum * batchMean[c] }
            }
            runningVariance.withUnsafeMutableScalars { running in
                for c in 0..<channels {
                    running[c] = (1 - momentum) * running[c] + momentum * batchVariance[c] * correction
                }
            }
        }
        let inputShape = input.shape
        let output = Tensor.recorded(relu ? "batchNorm+relu" : "batchNorm", shape: inputShape, storage: result.output.storage,
                                     inputs: [input, scale, shift]) { g in
            let (dx, dScale, dShift) = BatchNormKernels.backward(g, forward: result, scale: scale, shift: shift,
                                                                 shape: inputShape, epsilon: epsilon, globalStats: !training)
            return [dx, dScale, dShift]
        }
        if !training {
            OpTrace.note(.batchNorm(epsilon: epsilon, relu: relu), inputs: [input, scale, shift, runningMean, runningVariance], output: output)
        }
        return rank == 2 ? output.reshaped(to: shape) : output
    }
}
