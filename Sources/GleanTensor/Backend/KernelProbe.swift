import CDNNL

/// Direct access to single convolution passes, for benchmarks that time one primitive
/// without the autograd machinery around it.
public struct ConvolutionProbe {
    private let geometry: ConvolutionGeometry
    private let input: Tensor, weight: Tensor, outputGradient: Tensor
    private let forwardResult: (output: Tensor, source: Tensor, weights: TensorStorage)

    /// Multiply-adds × 2 of one pass (the same for all three passes).
    public var flops: Double { geometry.flops }

    /// Prepares a stride-1 convolution of `[batch, channels, size, size]` with `outChannels`
    /// `kernel`x`kernel` filters and the given padding, on random data.
    public init(batch: Int, channels: Int, outChannels: Int, size: Int, kernel: Int, padding: Int,
                algorithm: ConvolutionAlgorithm = .direct) {
        var generator = RandomGenerator(seed: 1)
        geometry = ConvolutionGeometry(batch: batch, inputChannels: channels, height: size, width: size,
                                       outputChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                                       stride: (1, 1), padding: (padding, padding), dilation: (1, 1), groups: 1,
                                       hasBias: false, winograd: algorithm == .auto)
        input = .normal([batch, channels, size, size], generator: &generator)
        weight = .normal([outChannels, channels, kernel, kernel], standardDeviation: 0.05, generator: &generator)
        forwardResult = ConvolutionKernels.forward(input, weight, nil, geometry)
        outputGradient = Tensor(shape: forwardResult.output.shape,
                                storage: Reorder.storage(.normal(forwardResult.output.shape, generator: &generator),
                                                         as: DNNL.desc(of: forwardResult.output)))
    }

    /// One forward pass (input already in the primitive's layout).
    public func forward() {
        _ = ConvolutionKernels.forward(forwardResult.source, weight, nil, geometry)
    }

    /// One backward-data pass.
    public func backwardData() {
        _ = ConvolutionKernels.backwardData(outputGradient, weights: forwardResult.weights,
                                            weightsDesc: geometry.forward().desc(dnnl_query_weights_md), geometry)
    }

    /// One backward-weights pass.
    public func backwardWeights() {
        _ = ConvolutionKernels.backwardWeights(outputGradient, source: forwardResult.source, geometry, weightShape: weight.shape)
    }
}
