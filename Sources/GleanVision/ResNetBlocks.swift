import GleanNN
import GleanTensor

/// ResNet-18/34's residual block: two 3x3 convolutions with batch norm, plus a projection
/// shortcut (`downsample`: 1x1 conv + BN) when the shape changes. Names follow torchvision.
public final class BasicBlock: Module {
    public static let expansion = 1
    public let conv1: Conv2d, bn1: BatchNorm, conv2: Conv2d, bn2: BatchNorm
    public let downsample: Sequential?
    /// Stochastic depth of the residual branch (nil: off).
    public let dropPath: DropPath?

    public init(_ inChannels: Int, _ channels: Int, stride: Int, dropPath: DropPath? = nil, generator: inout RandomGenerator) {
        self.dropPath = dropPath
        conv1 = Conv2d(inChannels, channels, kernelSize: 3, stride: stride, padding: 1, bias: false,
                       initializer: .kaimingNormalFanOut, generator: &generator)
        bn1 = BatchNorm(channels)
        conv2 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false,
                       initializer: .kaimingNormalFanOut, generator: &generator)
        bn2 = BatchNorm(channels)
        downsample = ResNetShortcut.make(inChannels, channels, stride: stride, generator: &generator)
    }

    /// conv1 → bn1 → ReLU → conv2 → bn2, plus the shortcut, → ReLU (each ReLU in the pass
    /// before it).
    public override func forward(_ input: Tensor) -> Tensor {
        var out = bn1(conv1(input), relu: true)
        out = bn2(conv2(out))
        let identity = downsample.map { $0(input) } ?? input
        return Tensor.reluOfSum(dropPath.map { $0(out) } ?? out, identity)
    }
}

/// ResNet-50's bottleneck block: 1x1 reduce, 3x3 (carrying the stride, as torchvision v1.5),
/// 1x1 expand to 4x the width.
public final class Bottleneck: Module {
    public static let expansion = 4
    public let conv1: Conv2d, bn1: BatchNorm, conv2: Conv2d, bn2: BatchNorm, conv3: Conv2d, bn3: BatchNorm
    public let downsample: Sequential?
    /// Stochastic depth of the residual branch (nil: off).
    public let dropPath: DropPath?

    public init(_ inChannels: Int, _ channels: Int, stride: Int, dropPath: DropPath? = nil, generator: inout RandomGenerator) {
        self.dropPath = dropPath
        let out = channels * Self.expansion
        conv1 = Conv2d(inChannels, channels, kernelSize: 1, bias: false, initializer: .kaimingNormalFanOut, generator: &generator)
        bn1 = BatchNorm(channels)
        conv2 = Conv2d(channels, channels, kernelSize: 3, stride: stride, padding: 1, bias: false,
                       initializer: .kaimingNormalFanOut, generator: &generator)
        bn2 = BatchNorm(channels)
        conv3 = Conv2d(channels, out, kernelSize: 1, bias: false, initializer: .kaimingNormalFanOut, generator: &generator)
        bn3 = BatchNorm(out)
        downsample = ResNetShortcut.make(inChannels, out, stride: stride, generator: &generator)
    }

    /// conv1 → bn1 → ReLU → conv2 → bn2 → ReLU → conv3 → bn3, plus the shortcut, → ReLU.
    public override func forward(_ input: Tensor) -> Tensor {
        var out = bn1(conv1(input), relu: true)
        out = bn2(conv2(out), relu: true)
        out = bn3(conv3(out))
        let identity = downsample.map { $0(input) } ?? input
        return Tensor.reluOfSum(dropPath.map { $0(out) } ?? out, identity)
    }
}

enum ResNetShortcut {
    /// The projection shortcut (1x1 conv → BN, as torchvision's `downsample`), or nil when the identity fits.
    static func make(_ inChannels: Int, _ outChannels: Int, stride: Int, generator: inout RandomGenerator) -> Sequential? {
        guard stride != 1 || inChannels != outChannels else { return nil }
        return Sequential([
            Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false,
                   initializer: .kaimingNormalFanOut, generator: &generator),
            BatchNorm(outChannels),
        ])
    }
}
