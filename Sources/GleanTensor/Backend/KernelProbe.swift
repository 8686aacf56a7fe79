import CDNNL

/// Direct access to single convolution passes, for benchmarks that time one primitive
/// without the autograd machinery around it.
public struct ConvolutionProbe {
    private let geometry: ConvolutionGeometry
    private let input: Tensor, weight: Tensor
    private let forwardResult: (output: Tensor, source: OperandMemory, weights: OperandMemory)
    private let outputGradient: OperandMemory

    /// Multiply-adds × 2 of one pass (the same for all three passes).
    public var flops: Double { geometry.flops }

    /// Prepares a stride-1 convolution of `[batch, channels, size, size]` with `outChannels`
    /// `kernel`x`kernel` filters and the given padding, on random data; with `bf16`, in bf16
    /// mixed precision (each forward pass then includes converting its fp32 input to bf16, as in
    /// training).
    public init(batch: Int, channels: Int, outChannels: Int, size: Int, kernel: Int, padding: Int,
                algorithm: ConvolutionAlgorithm = .direct, bf16: Bool = false) {
        var generator = RandomGenerator(seed: 1)
        geometry = ConvolutionGeometry(batch: batch, inputChannels: channels, height: size, width: size,
                                       outputChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                                       stride: (1, 1), padding: (padding, padding), dilation: (1, 1), groups: 1,
                                       hasBias: false,
                                       plan: algorithm == .auto && !bf16
                                           ? ConvolutionPlan(kernel: .oneDNNWinograd, bf16: false, weightGradientKernel: .oneDNNWinograd,
                                                             weightGradientBF16: false)
                                           : .direct(bf16: bf16))
        let plainInput = Tensor.normal([batch, channels, size, size], generator: &generator)
        weight = .normal([outChannels, channels, kernel, kernel], standardDeviation: 0.05, generator: &generator)
        forwardResult = ConvolutionKernels.forward(plainInput, weight, nil, geometry)
        let sourceDesc = geometry.forward().desc(dnnl_query_src_md)
        input = bf16 ? plainInput : Tensor(shape: plainInput.shape, storage: Reorder.storage(plainInput, as: sourceDesc))
        let gradient = Tensor.normal(forwardResult.output.shape, generator: &generator)
        outputGradient = OperandMemory.of(gradient, as: geometry.backwardWeights().desc(dnnl_query_diff_dst_md))
    }

    /// One forward pass (an fp32 input already in the primitive's layout).
    public func forward() {
        _ = ConvolutionKernels.forward(input, weight, nil, geometry)
    }

    /// One backward-data pass.
    public func backwardData() {
        let wanted = geometry.backwardData().desc(dnnl_query_diff_dst_md)
        _ = ConvolutionKernels.backwardData(outputGradient.converted(to: wanted, shape: Shape(geometry.destinationDims)),
                                            weights: forwardResult.weights, geometry)
    }

    /// One backward-weights pass.
    public func backwardWeights() {
        _ = ConvolutionKernels.backwardWeights(outputGradient, source: forwardResult.source, geometry, weightShape: weight.shape)
    }
}
