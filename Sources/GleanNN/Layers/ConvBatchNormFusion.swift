import GleanTensor

extension Conv2d {
    /// `batchNorm(self(input))`, then ReLU when `relu`.
    ///
    /// In eval mode with no gradient being recorded, the batch norm is folded into the
    /// convolution (`w' = w·γ/√(σ²+ε)`, `b' = (b − μ)·γ/√(σ²+ε) + β`) and the ReLU runs inside
    /// the convolution primitive, so inference makes one pass over the activations instead of
    /// three. Otherwise the convolution runs, then batch norm with the ReLU in its pass, with
    /// gradients.
    public func forward(_ input: Tensor, batchNorm: BatchNorm, relu: Bool) -> Tensor {
        guard !isTraining, !batchNorm.isTraining, !GradMode.isEnabled else {
            let output = batchNorm.forward(self(input), relu: relu)
            Module.observer?(batchNorm, output)
            return output
        }
        let (foldedWeight, foldedBias) = folded(with: batchNorm)
        return input.conv2d(weight: foldedWeight, bias: foldedBias, stride: stride, padding: padding,
                            dilation: dilation, groups: groups, fusedReLU: relu)
    }

    /// Weights and bias of one convolution equal to this one followed by `batchNorm` in eval
    /// mode; reused while none of the six source tensors has changed.
    func folded(with batchNorm: BatchNorm) -> (Tensor, Tensor) {
        let sources = [weight.value, batchNorm.weight.value, batchNorm.bias.value, batchNorm.runningMean.value,
                       batchNorm.runningVariance.value] + (bias.map { [$0.value] } ?? [])
        if let cache = foldCache, cache.sources.count == sources.count,
           zip(cache.sources, sources).allSatisfy({ $0.sharesStorage(with: $1) }),
           cache.versions == sources.map(\.version) {
            return (cache.weight, cache.bias)
        }
        let result = computeFolded(with: batchNorm)
        foldCache = FoldCache(sources: sources, versions: sources.map(\.version), weight: result.0, bias: result.1)
        return result
    }

    private func computeFolded(with batchNorm: BatchNorm) -> (Tensor, Tensor) {
        let channels = weight.value.shape[0]
        require(batchNorm.weight.value.shape == [channels],
                     "Conv2d+BatchNorm fusion: \(channels) output channels but batch norm has \(batchNorm.weight.value.shape)")
        let gamma = batchNorm.weight.value.scalars, beta = batchNorm.bias.value.scalars
        let mean = batchNorm.runningMean.value.scalars, variance = batchNorm.runningVariance.value.scalars
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + batchNorm.epsilon).squareRoot() }
        let original = bias?.value.scalars ?? [Float](repeating: 0, count: channels)
        let foldedBias = Tensor((0..<channels).map { (original[$0] - mean[$0]) * scale[$0] + beta[$0] })
        let perChannel = weight.value.count / channels
        let foldedWeight = weight.value.withUnsafeScalars { source in
            Tensor(shape: weight.value.shape) { target in
                for channel in 0..<channels {
                    for index in channel * perChannel ..< (channel + 1) * perChannel {
                        target[index] = source[index] * scale[channel]
                    }
                }
            }
        }
        return (foldedWeight, foldedBias)
    }
}

/// Folded inference weights of a `Conv2d` and the tensors (with versions) they came from.
struct FoldCache {
    let sources: [Tensor]
    let versions: [Int]
    let weight: Tensor
    let bias: Tensor
}
