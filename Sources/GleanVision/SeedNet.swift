import GleanNN
import GleanTensor

/// The small CNN from the source documents for 28x28 grayscale images:
/// Conv(1→64, 3) ReLU MaxPool(2) Conv(64→192, 3, pad 1) ReLU MaxPool(2) Dropout
/// Linear(6912→1024) ReLU Dropout(0.5) Linear(1024→512) ReLU Linear(512→classes).
/// Other square sizes (6–64 pixels, e.g. CIFAR's 32) and channel counts change only the first
/// dense layer's input, 192·s·s with s = ⌊⌊(size − 2) / 2⌋ / 2⌋.
public final class SeedNet: Module {
    public let features: Sequential
    public private(set) var classifier: Sequential

    /// Probability of the two dropout layers unless told otherwise (the source's).
    public static let defaultDropout: Float = 0.5

    /// Image sizes the network takes.
    public static let imageSizes = 6...64

    /// Side of the feature maps before the dense layers for `imageSize` input.
    public static func featureSide(imageSize: Int) -> Int { (imageSize - 2) / 2 / 2 }

    public init(classCount: Int = 10, inputChannels: Int = 1, imageSize: Int = 28, dropout: Float = defaultDropout, generator: inout RandomGenerator) {
        require(Self.imageSizes.contains(imageSize), "SeedNet: image size \(imageSize) is outside \(Self.imageSizes)")
        let side = Self.featureSide(imageSize: imageSize)
        features = Sequential([
            Conv2d(inputChannels, 64, kernelSize: 3, generator: &generator), Lambda.relu(), MaxPool2d(kernelSize: 2),
            Conv2d(64, 192, kernelSize: 3, padding: 1, generator: &generator), Lambda.relu(), MaxPool2d(kernelSize: 2),
        ])
        classifier = Sequential([
            Dropout(probability: dropout, generator: &generator),
            Linear(192 * side * side, 1024, generator: &generator), Lambda.relu(),
            Dropout(probability: dropout, generator: &generator),
            Linear(1024, 512, generator: &generator), Lambda.relu(),
            Linear(512, classCount, generator: &generator),
        ])
    }

    /// Removes the last linear layer, so that the network outputs its 512 hidden features
    /// (the encoder form; the remaining names are unchanged).
    public func dropHead() {
        classifier = Sequential(named: Array(classifier.layers.dropLast()))
    }

    /// Puts `head` (512 features in, class scores out) where the last linear layer was.
    public func replaceHead(_ head: Module) {
        let kept = classifier.layers.count == 7 ? Array(classifier.layers.dropLast()) : classifier.layers
        classifier = Sequential(named: kept + [("6", head)])
    }

    /// Logits `[N, classCount]` for images `[N, 1, 28, 28]`.
    public override func forward(_ input: Tensor) -> Tensor {
        classifier(features(input).flattened())
    }
}
