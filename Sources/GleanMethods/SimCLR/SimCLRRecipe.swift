/// SimCLR's settings chosen from the data when the user leaves them out: the rule `glean
/// pretrain simclr` applies, printed at the start of a run and written into its `config.yaml`.
///
/// The rule, from what was measured on 2-core CPUs (docs/unlabeled-images.md):
/// - encoder width: ResNet width 16 for images up to 32 px, else 32 (width 16 reached a higher
///   kNN accuracy than width 32 in the same minutes on Fashion-MNIST, 30 minutes, and on 20 px
///   digits, 3 minutes: it trains more epochs);
/// - a large set (10,000 images or more) gets few epochs in a budget of minutes, a small one
///   hundreds: the two are set apart by `largeSet`;
/// - view size: the image size; on a large set of images over 20 px, 5/7 of the side (even;
///   28 px Fashion-MNIST: 20 px views, 1.6x the epochs per minute and +1.2 points of kNN in
///   6-minute screens; the encoder still reads whole images in evaluation);
/// - temperature: 0.5 on a small set (+1.2 points of kNN on 4,000 digits in a 3-minute
///   screen), else 0.2 (SimCLR's setting for CIFAR-sized data);
/// - batch: 256, or the largest power of two that leaves 8 steps per epoch on a small set;
/// - learning rate: Adam 1e-3 at batch 256 on a small set, 3e-3 on a large one (Fashion-MNIST,
///   6-minute screens: +0.95 points of kNN, about what twice the epochs give), scaled linearly
///   with the batch;
/// - colour: for RGB images, colour jitter of strength 0.8 (SimCLR's strength 1: brightness,
///   contrast and saturation 0.8, hue 0.2) and gray views with p = 0.5, so that colour cannot
///   tell two images apart (on digits in random colours the default 0.4 / 0.2 left kNN at 33.6%,
///   below raw pixels' 63.6%; 0.8 / 0.5 reached 86.75% on validation after 41 epochs); gray
///   images keep brightness and contrast jitter 0.4;
/// - epochs: enough for `targetSteps` optimizer steps, at least 20 (a 4,000-image set gets
///   hundreds of epochs, as small-data SimCLR needs); a `--minutes` budget overrides them.
public struct SimCLRRecipe: Equatable, Sendable {
    public var width: Int
    public var viewSize: Int
    public var temperature: Float
    public var batchSize: Int
    public var learningRate: Float
    public var epochs: Int
    public var colorJitter: Float
    public var grayscaleProbability: Float

    /// Images from which a set counts as large: a budget of minutes buys it few epochs.
    public static let largeSet = 10_000

    /// Optimizer steps the default epoch count aims at.
    public static let targetSteps = 5000

    /// The recipe for `imageCount` training images of `imageSize` px with `channels` (1 or 3).
    public init(imageCount: Int, imageSize: Int, channels: Int) {
        precondition(imageCount > 0 && imageSize > 0 && channels > 0, "SimCLRRecipe: empty data")
        let large = imageCount >= Self.largeSet
        width = imageSize <= 32 ? 16 : 32
        viewSize = large && imageSize > 20 ? imageSize * 5 / 7 / 2 * 2 : imageSize
        temperature = large ? 0.2 : 0.5
        var batch = 256
        while batch > 16 && imageCount / batch < 8 { batch /= 2 }
        batchSize = batch
        learningRate = (large ? 3e-3 : 1e-3) * Float(batch) / 256
        let stepsPerEpoch = max(1, imageCount / batch)
        epochs = max(20, (Self.targetSteps + stepsPerEpoch - 1) / stepsPerEpoch)
        colorJitter = channels == 3 ? 0.8 : 0.4
        grayscaleProbability = channels == 3 ? 0.5 : 0.2
    }
}
