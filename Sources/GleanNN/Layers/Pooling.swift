import GleanTensor

/// Max pooling over `[N, C, H, W]` (stride defaults to the kernel, as in PyTorch).
public final class MaxPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernel: kernel, stride: stride, padding: padding)
    }
}

/// Average pooling over `[N, C, H, W]`.
public final class AvgPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let countIncludePad: Bool

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.countIncludePad = countIncludePad
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// Adaptive average pooling to a fixed output size; `(1, 1)` is global average pooling.
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: (Int, Int)

    public init(outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize }

    public override func forward(_ input: Tensor) -> Tensor { input.adaptiveAvgPool2d(outputSize) }
}
