import Foundation

extension Tensor {
    /// Batch normalisation in training mode over the batches of several processes together
    /// (synchronised batch norm): each process's per-channel sums go through `sumOverProcesses`,
    /// so the normalisation, the running statistics and the gradient are those of one process
    /// normalising the global batch. `self` is `[N, C, H, W]`; the rest as `batchNorm`.
    ///
    /// Backward, with `x̂` normalised by the global statistics and `dy` the gradient after the
    /// fused ReLU: `dx = γ/σ · (dy − Σ dy / M − x̂ · Σ dy·x̂ / M)` with both sums over the global
    /// batch (`M` values per channel). Each process's sums count in proportion to its share of
    /// the batch, matching a gradient average weighted by the processes' examples.
    func synchronizedBatchNorm(scale: Tensor, shift: Tensor, runningMean: Tensor, runningVariance: Tensor, momentum: Float,
                               epsilon: Float, relu: Bool, sumOverProcesses: @escaping (inout [Double]) -> Void) -> Tensor {
        let channels = shape[1]
        let localCount = Double(count / Swift.max(channels, 1))
        // This process's statistics, then the global ones from the sums of values and squares.
        let local = BatchNormKernels.forward(self, scale: scale, shift: shift, mean: nil, variance: nil, epsilon: epsilon, relu: false)
        let localMean = local.mean.pointer, localVariance = local.variance.pointer
        var sums = [Double](repeating: 0, count: 2 * channels + 1)
        for c in 0..<channels {
            let mean = Double(localMean[c])
            sums[c] = localCount * mean
            sums[channels + c] = localCount * (Double(localVariance[c]) + mean * mean)
        }
        sums[2 * channels] = localCount
        sumOverProcesses(&sums)
        let total = sums[2 * channels]
        require(total > 1, "batchNorm: training needs more than one value per channel over the processes, got input shape \(shape)")
        let globalMean = (0..<channels).map { sums[$0] / total }
        let globalVariance = (0..<channels).map { Swift.max(sums[channels + $0] / total - globalMean[$0] * globalMean[$0], 0) }
        let result = BatchNormKernels.forward(self, scale: scale, shift: shift, mean: Tensor(globalMean.map(Float.init), shape: [channels]),
                                              variance: Tensor(globalVariance.map(Float.init), shape: [channels]), epsilon: epsilon, relu: relu)
        let correction = total / (total - 1)
        runningMean.withUnsafeMutableScalars { running in
            for c in 0..<channels { running[c] = (1 - momentum) * running[c] + momentum * Float(globalMean[c]) }
        }
        runningVariance.withUnsafeMutableScalars { running in
            for c in 0..<channels { running[c] = (1 - momentum) * running[c] + momentum * Float(globalVariance[c] * correction) }
        }
        let input = self, inputShape = shape
        return Tensor.recorded(relu ? "syncBatchNorm+relu" : "syncBatchNorm", shape: inputShape, storage: result.output.storage,
                               inputs: [input, scale, shift]) { g in
            // The kernel's gradient with the statistics held fixed: γ/σ·dy, Σ dy·x̂ and Σ dy per channel.
            let (fixedStatistics, dScale, dShift) = BatchNormKernels.backward(g, forward: result, scale: scale, shift: shift,
                                                                              shape: inputShape, epsilon: epsilon, globalStats: true)
            var gradientSums = (dShift.scalars + dScale.scalars).map { Double($0) * localCount }
            sumOverProcesses(&gradientSums)
            let gamma = scale.scalars
            var slope = [Float](repeating: 0, count: channels), offset = [Float](repeating: 0, count: channels)
            for c in 0..<channels {
                let variance = globalVariance[c] + Double(epsilon)
                let sumOfGradients = gradientSums[c] / (total * localCount), sumOfProducts = gradientSums[channels + c] / (total * localCount)
                let gain = Double(gamma[c]) / variance.squareRoot()
                // −γ/σ · (Σdy/M + (x − μ)/σ · Σdy·x̂/M) = slope·x + offset
                slope[c] = Float(-gain * sumOfProducts / variance.squareRoot())
                offset[c] = Float(-gain * sumOfGradients + gain * sumOfProducts * globalMean[c] / variance.squareRoot())
            }
            let dx = fixedStatistics + input.detached() * Tensor(slope, shape: [1, channels, 1, 1]) + Tensor(offset, shape: [1, channels, 1, 1])
            return [dx, dScale, dShift]
        }
    }
}
