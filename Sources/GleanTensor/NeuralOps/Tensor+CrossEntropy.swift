extension Tensor {
    /// Mean cross-entropy of `[N, C]` logits against integer class labels.
    ///
    /// - Parameters:
    ///   - labels: N class indices in `0..<C`.
    ///   - classWeights: optional C weights; the mean is then weighted, `Σ wᵢ·lossᵢ / Σ wᵢ`
    ///     with `wᵢ = classWeights[labelᵢ]`, as PyTorch does.
    ///   - labelSmoothing: ε in [0, 1): the target is `(1 − ε)·onehot + ε / C`.
    public func crossEntropy(labels: [Int], classWeights: [Float]? = nil, labelSmoothing: Float = 0) -> Tensor {
        require(rank == 2, "crossEntropy: logits must be [N, C], got \(shape)")
        let (batch, classes) = (shape[0], shape[1])
        require(labels.count == batch, "crossEntropy: \(labels.count) labels for logits of shape \(shape)")
        require(labelSmoothing >= 0 && labelSmoothing < 1, "crossEntropy: label smoothing \(labelSmoothing) must be in [0, 1)")
        if let classWeights {
            require(classWeights.count == classes, "crossEntropy: \(classWeights.count) class weights for \(classes) classes")
        }
        for label in labels {
            require(label >= 0 && label < classes, "crossEntropy: label \(label) is outside 0..<\(classes)")
        }
        let weights = labels.map { classWeights?[$0] ?? 1 }
        let totalWeight = weights.reduce(0, +)
        let target = Tensor(shape: shape) { buffer in
            let offValue = labelSmoothing / Float(classes)
            for row in 0..<batch {
                let scale = weights[row] / Swift.max(totalWeight, .leastNormalMagnitude)
                for column in 0..<classes {
                    let probability = (column == labels[row] ? 1 - labelSmoothing : 0) + offValue
                    buffer[row * classes + column] = probability * scale
                }
            }
        }
        return -(logSoftmax(axis: 1) * target).sum()
    }

    /// Mean cross-entropy of `[N, C]` logits against soft targets `[N, C]` (rows summing to 1),
    /// e.g. from MixUp, CutMix or a teacher.
    public func crossEntropy(targets: Tensor) -> Tensor {
        require(rank == 2 && targets.shape == shape,
                     "crossEntropy: logits shape \(shape) and soft target shape \(targets.shape) must both be [N, C]")
        return -(logSoftmax(axis: 1) * targets.detached()).sum() * (1 / Float(Swift.max(shape[0], 1)))
    }
}
