import GleanNN
import GleanTensor

/// The mini AlexNet of the source documents' Keras binary classifier (280x280x3 input):
/// ZeroPadding(3), Conv 96 k13 s3, MaxPool 3 s2, Conv 256 k5 same, MaxPool 3 s2,
/// Conv 384 k3 same (x2), Conv 256 k3 same, MaxPool 2, Flatten, Dense 128, Dense 128,
/// Dense `outputs` (ReLU after every conv and hidden dense layer). With one output and
/// 280x280x3 input it has 7,742,721 parameters; apply `sigmoid()` (or use
/// `binaryCrossEntropyWithLogits`) for the binary probability.
public final class AlexNetMini: Module {
    public let features: Sequential
    public let classifier: Sequential

    /// - Parameters:
    ///   - imageSize: input height and width (280 in the source); fixes the first dense layer.
    public init(imageSize: Int = 280, inputChannels: Int = 3, outputs: Int = 1, generator: inout RandomGenerator) {
        func conv(_ input: Int, _ output: Int, _ kernel: Int, stride: Int = 1, same: Bool) -> Conv2d {
            Conv2d(input, output, kernelSize: kernel, stride: stride, padding: same ? kernel / 2 : 0,
                   initializer: .xavierUniform, generator: &generator)
        }
        features = Sequential([
            Lambda("ZeroPadding2D") { $0.zeroPadded(3) },
            conv(inputChannels, 96, 13, stride: 3, same: false), Lambda.relu(), MaxPool2d(kernelSize: 3, stride: 2),
            conv(96, 256, 5, same: true), Lambda.relu(), MaxPool2d(kernelSize: 3, stride: 2),
            conv(256, 384, 3, same: true), Lambda.relu(),
            conv(384, 384, 3, same: true), Lambda.relu(),
            conv(384, 256, 3, same: true), Lambda.relu(), MaxPool2d(kernelSize: 2),
        ])
        var side = imageSize + 6
        side = (side - 13) / 3 + 1
        side = (side - 3) / 2 + 1
        side = (side - 3) / 2 + 1
        side /= 2
        require(side > 0, "AlexNetMini: image size \(imageSize) is too small")
        classifier = Sequential([
            Linear(256 * side * side, 128, initializer: .xavierUniform, generator: &generator), Lambda.relu(),
            Linear(128, 128, initializer: .xavierUniform, generator: &generator), Lambda.relu(),
            Linear(128, outputs, initializer: .xavierUniform, generator: &generator),
        ])
    }

    /// Logits `[N, outputs]` for images `[N, C, imageSize, imageSize]`.
    public override func forward(_ input: Tensor) -> Tensor { classifier(features(input).flattened()) }
}

extension Tensor {
    /// `[N, C, H, W]` with `amount` zero rows/columns added on every side.
    func zeroPadded(_ amount: Int) -> Tensor {
        require(rank == 4, "zeroPadded: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let rows = Tensor.zeros([n, c, amount, w]), columns = Tensor.zeros([n, c, h + 2 * amount, amount])
        let tall = Tensor.concat([rows, self, rows], axis: 2)
        return Tensor.concat([columns, tall, columns], axis: 3)
    }
}
