import Foundation

extension Tensor {
    /// Mean binary cross-entropy of logits against targets in [0, 1] (same shape), computed
    /// stably from the logits: `pw·y·softplus(−x) + (1 − y)·softplus(x)`.
    ///
    /// - Parameter positiveWeight: weight of the positive term (PyTorch's `pos_weight`), one value
    ///   for all outputs.
    public func binaryCrossEntropyWithLogits(targets: Tensor, positiveWeight: Float = 1) -> Tensor {
        require(targets.shape == shape, "binaryCrossEntropyWithLogits: logits shape \(shape) and target shape \(targets.shape) differ")
        let logits = plainStorage, labels = targets.plainStorage
        let n = count
        var total: Double = 0
        for index in 0..<n {
            let x = logits.pointer[index], y = labels.pointer[index]
            total += Double(positiveWeight * y * softplus(-x) + (1 - y) * softplus(x))
        }
        let value = Tensor(scalar: Float(total / Double(Swift.max(n, 1))))
        return Tensor.recorded("binaryCrossEntropyWithLogits", shape: [], storage: value.storage, inputs: [self]) { g in
            let scale = g.item / Float(Swift.max(n, 1))
            return [Tensor(shape: self.shape) { buffer in
                for index in 0..<n {
                    let x = logits.pointer[index], y = labels.pointer[index]
                    let probability = 1 / (1 + Foundation.exp(-x))
                    buffer[index] = scale * ((1 - y) * probability - positiveWeight * y * (1 - probability))
                }
            }]
        }
    }

    /// Mean squared error against `targets` of the same shape.
    public func meanSquaredError(targets: Tensor) -> Tensor {
        require(targets.shape == shape, "meanSquaredError: prediction shape \(shape) and target shape \(targets.shape) differ")
        return (self - targets.detached()).squared().mean()
    }

    /// Kullback–Leibler divergence `Σ p·(log p − log q) / N` where this tensor holds log q
    /// (`[N, C]` log-probabilities) and `targets` holds p (PyTorch's `kl_div(..., reduction="batchmean")`).
    public func klDivergence(targets: Tensor) -> Tensor {
        require(rank == 2 && targets.shape == shape, "klDivergence: log-probability shape \(shape) and target shape \(targets.shape) must both be [N, C]")
        let p = targets.detached()
        let logP = ElementwiseKernels.map(p) { $0 > 0 ? Foundation.log($0) : 0 }
        return (p * (logP - self)).sum() * (1 / Float(Swift.max(shape[0], 1)))
    }

    /// Negative log-likelihood of `[N, C]` log-probabilities (e.g. a LogSoftmax head) at integer
    /// labels, optionally class-weighted (`Σ w_y·(−x_y) / Σ w_y`, as PyTorch).
    public func negativeLogLikelihood(labels: [Int], classWeights: [Float]? = nil) -> Tensor {
        require(rank == 2, "negativeLogLikelihood: input must be [N, C], got \(shape)")
        require(labels.count == shape[0], "negativeLogLikelihood: \(labels.count) labels for input of shape \(shape)")
        if let classWeights {
            require(classWeights.count == shape[1], "negativeLogLikelihood: \(classWeights.count) class weights for \(shape[1]) classes")
        }
        let classes = shape[1]
        let weights = labels.map { label -> Float in
            require(label >= 0 && label < classes, "negativeLogLikelihood: label \(label) is outside 0..<\(classes)")
            return classWeights?[label] ?? 1
        }
        let total = Swift.max(weights.reduce(0, +), .leastNormalMagnitude)
        let selector = Tensor(shape: shape) { buffer in
            buffer.initialize(repeating: 0)
            for (row, label) in labels.enumerated() { buffer[row * classes + label] = weights[row] / total }
        }
        return -(self * selector).sum()
    }
}

@inline(__always) private func softplus(_ x: Float) -> Float {
    Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
}
