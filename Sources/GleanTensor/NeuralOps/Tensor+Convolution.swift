extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch).
    ///
    /// - Parameters:
    ///   - weight: `[outChannels, inChannels / groups, kernelH, kernelW]`.
    ///   - bias: `[outChannels]` or nil.
    /// - Returns: `[N, outChannels, outH, outW]` for an input of `[N, inChannels, H, W]`,
    ///   usually in a blocked layout that the next layer consumes without a reorder.
    ///   - fusedReLU: apply ReLU inside the convolution primitive. Only taken when no gradient is
    ///     being recorded (inference); otherwise ReLU runs as its own differentiable op.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                       fusedReLU: Bool = false) -> Tensor {
        require(rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        require(weight.rank == 4, "conv2d: weight must be [O, I/groups, KH, KW], got \(weight.shape)")
        require(groups >= 1 && shape[1] % groups == 0 && weight.shape[0] % groups == 0,
                     "conv2d: groups \(groups) must divide input channels \(shape[1]) and output channels \(weight.shape[0])")
        require(weight.shape[1] * groups == shape[1],
                     "conv2d: input shape \(shape) has \(shape[1]) channels but weight shape \(weight.shape) expects \(weight.shape[1] * groups)")
        if let bias {
            require(bias.shape == [weight.shape[0]], "conv2d: bias shape \(bias.shape) must be [\(weight.shape[0])]")
        }
        require(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "conv2d: stride \(stride) and dilation \(dilation) must be positive, padding \(padding) non-negative")
        var geometry = ConvolutionGeometry(
            batch: shape[0], inputChannels: shape[1], height: shape[2], width: shape[3],
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            stride: stride, padding: padding, dilation: dilation, groups: groups, hasBias: bias != nil)
        geometry.plan = ConvolutionPlan.choose(geometry, KernelConfiguration.current)
        require(geometry.outputHeight > 0 && geometry.outputWidth > 0,
                     "conv2d: input shape \(shape) is too small for kernel \(weight.shape) with padding \(padding)")
        FlopCounter.add(geometry.flops)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        if fusedReLU {
            guard !(GradMode.isEnabled && inputs.contains { $0.requiresGrad }) else {
                return conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                              groups: groups).relu()
            }
            geometry.fusedReLU = true
            let output = ConvolutionKernels.forward(self, weight, bias, geometry).output
            OpTrace.note(.convolution(stride: [stride.0, stride.1], padding: [padding.0, padding.1], dilation: [dilation.0, dilation.1],
                                      groups: groups, relu: true), inputs: inputs, output: output)
            return output
        }
        // Inference also runs the forward_training primitive: oneDNN's forward_inference choice
        // (brgconv, no Winograd) is slower here, on small spatial sizes by up to 2x.
        let (output, source, weightMemory) = ConvolutionKernels.forward(self, weight, bias, geometry)
        let needsInputGradient = requiresGrad
        let weightShape = weight.shape
        let result = Tensor.recorded("conv2d", shape: output.shape, storage: output.storage, inputs: inputs) { g in
            let (inputGradient, weightGradient, biasGradient) = ConvolutionKernels.backward(
                g, source: source, weights: weightMemory, geometry, weightShape: weightShape, needsInputGradient: needsInputGradient)
            return [inputGradient, weightGradient] + (bias == nil ? [] : [biasGradient])
        }
        OpTrace.note(.convolution(stride: [stride.0, stride.1], padding: [padding.0, padding.1], dilation: [dilation.0, dilation.1],
                                  groups: groups, relu: false), inputs: inputs, output: result)
        return result
    }
}
