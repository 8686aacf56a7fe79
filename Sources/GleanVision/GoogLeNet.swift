import GleanNN
import GleanTensor

/// GoogLeNet's Inception module: four parallel branches concatenated on the channel axis —
/// 1x1; 1x1 reduce → 3x3; 1x1 reduce → 5x5; 3x3 max pool → 1x1 projection — each convolution
/// followed by ReLU (the paper's form). E.g. 3a = `Inception(192, 64, 96, 128, 16, 32, 32)`.
public final class Inception: Module {
    public let branch1: Sequential, branch2: Sequential, branch3: Sequential, branch4: Sequential
    /// Output channels: `c1 + c3 + c5 + poolProjection`.
    public let outputChannels: Int

    public init(_ inChannels: Int, _ c1: Int, _ c3Reduce: Int, _ c3: Int, _ c5Reduce: Int, _ c5: Int,
                _ poolProjection: Int, generator: inout RandomGenerator) {
        func conv(_ input: Int, _ output: Int, _ kernel: Int) -> [Module] {
            [Conv2d(input, output, kernelSize: kernel, padding: kernel / 2, generator: &generator), Lambda.relu()]
        }
        branch1 = Sequential(conv(inChannels, c1, 1))
        branch2 = Sequential(conv(inChannels, c3Reduce, 1) + conv(c3Reduce, c3, 3))
        branch3 = Sequential(conv(inChannels, c5Reduce, 1) + conv(c5Reduce, c5, 5))
        branch4 = Sequential([MaxPool2d(kernelSize: 3, stride: 1, padding: 1)] + conv(inChannels, poolProjection, 1))
        outputChannels = c1 + c3 + c5 + poolProjection
    }

    /// `[N, in, H, W]` → `[N, outputChannels, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.concat([branch1(input), branch2(input), branch3(input), branch4(input)], axis: 1)
    }
}

/// GoogLeNet (Szegedy et al. 2015, without the auxiliary classifiers) with the paper's branch
/// widths, for 224x224 input: stem, Inception 3a–3b, 4a–4e, 5a–5b, global average pooling,
/// dropout 0.4 and a linear classifier.
public final class GoogLeNet: Module {
    public let stem: Sequential, inception3: Sequential, inception4: Sequential, inception5: Sequential
    public let dropout: Dropout
    public var fc: Module

    /// Probability of the dropout before the classifier unless told otherwise (the paper's).
    public static let defaultDropout: Float = 0.4

    public init(classCount: Int = 1000, inputChannels: Int = 3, dropout: Float = defaultDropout, generator: inout RandomGenerator) {
        stem = Sequential([
            Conv2d(inputChannels, 64, kernelSize: 7, stride: 2, padding: 3, generator: &generator), Lambda.relu(),
            MaxPool2d(kernelSize: 3, stride: 2, padding: 1),
            Conv2d(64, 64, kernelSize: 1, generator: &generator), Lambda.relu(),
            Conv2d(64, 192, kernelSize: 3, padding: 1, generator: &generator), Lambda.relu(),
            MaxPool2d(kernelSize: 3, stride: 2, padding: 1),
        ])
        inception3 = Sequential([
            Inception(192, 64, 96, 128, 16, 32, 32, generator: &generator),
            Inception(256, 128, 128, 192, 32, 96, 64, generator: &generator),
            MaxPool2d(kernelSize: 3, stride: 2, padding: 1),
        ])
        inception4 = Sequential([
            Inception(480, 192, 96, 208, 16, 48, 64, generator: &generator),
            Inception(512, 160, 112, 224, 24, 64, 64, generator: &generator),
            Inception(512, 128, 128, 256, 24, 64, 64, generator: &generator),
            Inception(512, 112, 144, 288, 32, 64, 64, generator: &generator),
            Inception(528, 256, 160, 320, 32, 128, 128, generator: &generator),
            MaxPool2d(kernelSize: 3, stride: 2, padding: 1),
        ])
        inception5 = Sequential([
            Inception(832, 256, 160, 320, 32, 128, 128, generator: &generator),
            Inception(832, 384, 192, 384, 48, 128, 128, generator: &generator),
        ])
        self.dropout = Dropout(probability: dropout, generator: &generator)
        fc = Linear(1024, classCount, generator: &generator)
    }

    /// Logits `[N, classCount]` for images `[N, C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor {
        let features = inception5(inception4(inception3(stem(input)))).adaptiveAvgPool2d((1, 1)).flattened()
        return fc(dropout(features))
    }
}
