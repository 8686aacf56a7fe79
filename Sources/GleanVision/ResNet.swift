import GleanNN
import GleanTensor

/// The ResNet family with torchvision's structure and parameter names
/// (`conv1`, `bn1`, `layer1.0.conv1`, ..., `fc`), so torchvision state dicts load by name.
public final class ResNet: Module {
    /// Which block and how many per stage.
    public enum Depth: String, CaseIterable, Sendable {
        case resnet18, resnet34, resnet50

        var blocksPerStage: [Int] {
            switch self {
            case .resnet18: return [2, 2, 2, 2]
            case .resnet34, .resnet50: return [3, 4, 6, 3]
            }
        }

        var usesBottleneck: Bool { self == .resnet50 }
    }

    public let conv1: Conv2d, bn1: BatchNorm
    public let maxpool: MaxPool2d?
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let avgpool: AdaptiveAvgPool2d
    /// The classifier head; replace it for transfer learning.
    public var fc: Module
    /// Width of the pooled features that feed `fc` (512 for ResNet-18/34, 2048 for ResNet-50).
    public let featureCount: Int
    /// Smallest input side the zoo builds: with the CIFAR stem the stages halve the image three
    /// times, so below 8 px the last stage's 3x3 convolutions would see mostly padding.
    public static let minimumImageSize = 8

    /// - Parameters:
    ///   - inputChannels: 3 for RGB, 1 for grayscale.
    ///   - cifarStem: a 3x3 stride-1 first convolution and no max pool (for 28–32 px images)
    ///     instead of ImageNet's 7x7 stride-2 convolution and max pool.
    ///   - width: channels of the stem and the first stage (64 in torchvision; each later stage
    ///     doubles it). Narrower networks train several times faster on small images.
    ///   - stochasticDepth: drop-path probability of the last block, rising linearly from 0 at
    ///     the first (as in timm); 0 = off, and the weights are then initialised exactly as without.
    public init(_ depth: Depth, classCount: Int = 1000, inputChannels: Int = 3, cifarStem: Bool = false, width: Int = 64,
                stochasticDepth: Float = 0, generator: inout RandomGenerator) {
        require(stochasticDepth >= 0 && stochasticDepth < 1, "ResNet: stochastic depth \(stochasticDepth) must be in [0, 1)")
        require(classCount > 0 && inputChannels > 0, "ResNet: classes \(classCount) and input channels \(inputChannels) must be positive")
        require(width > 0 && width <= 512, "ResNet: width \(width) must be in 1...512")
        conv1 = cifarStem
            ? Conv2d(inputChannels, width, kernelSize: 3, stride: 1, padding: 1, bias: false,
                     initializer: .kaimingNormalFanOut, generator: &generator)
            : Conv2d(inputChannels, width, kernelSize: 7, stride: 2, padding: 3, bias: false,
                     initializer: .kaimingNormalFanOut, generator: &generator)
        bn1 = BatchNorm(width)
        maxpool = cifarStem ? nil : MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let expansion = depth.usesBottleneck ? Bottleneck.expansion : BasicBlock.expansion
        var inChannels = width
        var stages: [Sequential] = []
        let blockCount = depth.blocksPerStage.reduce(0, +)
        var blockIndex = 0
        for (stage, blocks) in depth.blocksPerStage.enumerated() {
            let channels = width << stage
            var layers: [Module] = []
            for index in 0..<blocks {
                let stride = stage > 0 && index == 0 ? 2 : 1
                let rate = stochasticDepth * Float(blockIndex) / Float(max(blockCount - 1, 1))
                let dropPath = stochasticDepth > 0 && rate > 0 ? DropPath(probability: rate, generator: &generator) : nil
                blockIndex += 1
                layers.append(depth.usesBottleneck
                    ? Bottleneck(inChannels, channels, stride: stride, dropPath: dropPath, generator: &generator)
                    : BasicBlock(inChannels, channels, stride: stride, dropPath: dropPath, generator: &generator))
                inChannels = channels * expansion
            }
            stages.append(Sequential(layers))
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3])
        avgpool = AdaptiveAvgPool2d(outputSize: (1, 1))
        featureCount = (width << 3) * expansion
        fc = Linear(featureCount, classCount, generator: &generator)
    }

    /// The last stage's feature map `[N, featureCount, H', W']` for images `[N, C, H, W]`
    /// (H' = ⌈H/8⌉ with the CIFAR stem, ⌈H/32⌉ with ImageNet's): everything before `avgpool`.
    public func featureMap(_ input: Tensor) -> Tensor {
        var x = bn1(conv1(input), relu: true)
        if let maxpool { x = maxpool(x) }
        return layer4(layer3(layer2(layer1(x))))
    }

    /// Pooled features `[N, featureCount]` for images `[N, C, H, W]` (everything but `fc`).
    public func features(_ input: Tensor) -> Tensor { avgpool(featureMap(input)).flattened() }

    /// Logits `[N, classCount]` for images `[N, C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor { fc(features(input)) }
}
