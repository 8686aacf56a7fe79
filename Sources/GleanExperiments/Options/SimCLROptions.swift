import Glean

/// SimCLR's own options: the loss, the projection head, the views and the kNN monitor.
public struct SimCLROptions: Equatable {
    public var temperature: Float = 0.2
    public var projectionDim = 128
    public var projectionHidden = 0
    public var cropMinScale: Float?
    public var viewSize = 0
    public var jitterProbability: Float = 0.8
    public var grayscaleProbability: Float = 0.2
    public var blurProbability: Float?
    /// Off by default: mirrored views cost kNN accuracy on Fashion-MNIST (−0.46 points after 16
    /// epochs) and on digits (−3.8 in 10 minutes), whose test images never appear mirrored.
    public var flips = false
    public var knnImages = 5000
    public var knn = KNNOptions()

    public init() {}

    public static let options: [OptionSpec<SimCLROptions>] = [
        .value("temperature", \.temperature, "NT-Xent temperature."),
        .value("projection-dim", \.projectionDim, "Width of the projections the loss compares."),
        .value("projection-hidden", \.projectionHidden, "Width of the projection head's hidden layer (0 = the encoder's feature width)."),
        .value("crop-min-scale", \.cropMinScale, "Smallest random-resized-crop area as a fraction of the image (auto: 0.08 from 64 px, else 0.2)."),
        .value("view-size", \.viewSize, "Side in px of each view, the random-resized crop's output (0 = the image size); smaller views make each step cheaper, while evaluation, the kNN monitor and fine-tuning still read whole images."),
        .value("jitter-probability", \.jitterProbability, "Probability of colour jitter per view."),
        .value("grayscale-probability", \.grayscaleProbability, "Probability of a gray view (RGB images)."),
        .value("blur-probability", \.blurProbability, "Probability of Gaussian blur per view (auto: 0.5 from 64 px, else 0)."),
        .value("flips", \.flips, "Mirror views left to right at random: on for photos whose objects face either way; off (measured better on Fashion-MNIST and digits) where images share an orientation or mirroring changes the class (digits, text)."),
        .value("knn-images", \.knnImages, "kNN monitor: labeled training images in the bank each epoch (0 = no monitor); validation images are the queries."),
    ] + KNNOptions.options.lifted(\.knn)

    public func validate(source: String) throws {
        try check(temperature > 0, source, "temperature", "must be positive, got \(temperature)")
        try check(projectionDim > 0 && projectionDim <= 65_536, source, "projection-dim", "must be in 1...65536, got \(projectionDim)")
        try check(projectionHidden >= 0 && projectionHidden <= 65_536, source, "projection-hidden", "must be in 0...65536, got \(projectionHidden)")
        try check(cropMinScale.map { $0 > 0 && $0 <= 1 } ?? true, source, "crop-min-scale", "must be in (0, 1], got \(cropMinScale ?? 0)")
        try check(viewSize == 0 || (viewSize >= ResNet.minimumImageSize && viewSize <= ModelZoo.maximumImageSize), source, "view-size",
                  "must be 0 (the image size) or in \(ResNet.minimumImageSize)...\(ModelZoo.maximumImageSize), got \(viewSize)")
        for (key, value) in [("jitter-probability", jitterProbability), ("grayscale-probability", grayscaleProbability),
                             ("blur-probability", blurProbability ?? 0)] {
            try check(value >= 0 && value <= 1, source, key, "must be in [0, 1], got \(value)")
        }
        try check(knnImages >= 0, source, "knn-images", "must be >= 0, got \(knnImages)")
        try knn.validate(source: source)
    }

    /// The two views' augmentation; `colorJitter` is the data options' `--color-jitter` strength.
    public func augmentation(imageSize: Int, colorJitter: Float) -> SimCLRAugmentation {
        SimCLRAugmentation(imageSize: imageSize, viewSize: viewSize > 0 ? viewSize : nil, cropMinimumScale: cropMinScale, colorJitter: colorJitter,
                           colorJitterProbability: jitterProbability, grayscaleProbability: grayscaleProbability,
                           blurProbability: blurProbability, flips: flips)
    }

    /// The kNN monitor of a pretraining run: a seeded subset of the labeled training images is
    /// the bank, the validation images are the queries. Nil when the data has no classes or no
    /// validation split, or when `knn-images` is 0.
    public func knnMonitor(data: ExperimentData, encoder: Module, seed: UInt64) -> KNNValidation? {
        guard knnImages > 0, data.labeled.classCount > 1, let validation = data.validation else { return nil }
        var generator = RandomGenerator(seed: seed, stream: "knn-bank")
        let chosen = Array(Array(0..<data.labeled.count).shuffled(using: &generator).prefix(knnImages)).sorted()
        return knn.validation(encoder: encoder, bank: data.labeled.subset(chosen), queries: validation, data: data)
    }
}
