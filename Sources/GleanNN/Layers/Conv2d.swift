import GleanTensor

/// 2-D convolution layer (PyTorch's `nn.Conv2d`): weight `[out, in / groups, kh, kw]`, bias `[out]`.
public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int

    /// - Parameters:
    ///   - kernelSize: `(kh, kw)`.
    ///   - initializer: weight rule; biases use PyTorch's default U(−1/√fan_in, 1/√fan_in).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                initializer: Initializer = .pytorchDefault, generator: inout RandomGenerator) {
        require(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) must be positive multiples of groups \(groups)")
        let shape: Shape = [outChannels, inChannels / groups, kernelSize.0, kernelSize.1]
        weight = Parameter(initializer.make(shape, generator: &generator))
        if bias {
            let fanIn = Float(inChannels / groups * kernelSize.0 * kernelSize.1)
            let bound = 1 / fanIn.squareRoot()
            self.bias = Parameter(.uniform([outChannels], low: -bound, high: bound, generator: &generator))
        } else {
            self.bias = nil
        }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// Square-kernel convenience.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                            initializer: Initializer = .pytorchDefault, generator: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias,
                  initializer: initializer, generator: &generator)
    }

    public override var ownParameters: [(String, Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `[N, in, H, W]` → `[N, out, H', W']`.
    public override func forward(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                     dilation: dilation, groups: groups)
    }
}
