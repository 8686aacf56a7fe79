import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// SimCLR pretraining as a `TrainingTask`: each step takes an unlabeled batch with two
/// augmented views, projects both views in one pass of `network` (batch-norm statistics over
/// all 2N images) and returns the NT-Xent loss, with the positive-pair accuracy as
/// `contrastive_accuracy`.
public final class SimCLR: TrainingTask {
    public let network: SimCLRNetwork
    public let temperature: Float
    public var model: Module { network }
    public var inputs: StepInputs { .unlabeled }

    public init(network: SimCLRNetwork, temperature: Float = 0.5) {
        require(temperature > 0, "SimCLR: temperature \(temperature) must be positive")
        self.network = network
        self.temperature = temperature
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let unlabeled = batch.unlabeled!
        require(unlabeled.views.count == 2, "SimCLR: a step needs batches with two augmented views, got \(unlabeled.views.count)")
        network.train()
        let count = unlabeled.views[0].shape[0]
        let projections = network(Tensor.concat(unlabeled.views, axis: 0))
        let (loss, accuracy) = NTXentLoss.loss(projections.sliced(axis: 0, 0..<count),
                                               projections.sliced(axis: 0, count..<(2 * count)), temperature: temperature)
        return StepOutput(loss: loss, exampleCount: count, scalars: ["contrastive_accuracy": accuracy])
    }
}

/// The two views SimCLR compares: random resized crop, horizontal flip, colour jitter with
/// probability, random grayscale and Gaussian blur with probability.
public struct SimCLRAugmentation: Sendable {
    public var imageSize: Int
    /// Side of each view, the random-resized crop's output (`imageSize` unless smaller views are
    /// asked for: they cost fewer operations per step, while the encoder, whose features are
    /// pooled over the whole map, still reads `imageSize` images for evaluation and transfer).
    public var viewSize: Int
    /// Smallest crop area, as a fraction of the image (torchvision's default is 0.08; 0.2 keeps
    /// enough of a 28–32 px image to recognise).
    public var cropMinimumScale: Float
    /// Brightness, contrast and saturation jitter strength; hue gets a quarter of it.
    public var colorJitter: Float
    public var colorJitterProbability: Float
    /// Probability of turning an RGB view gray (ignored for one-channel images).
    public var grayscaleProbability: Float
    public var blurProbability: Float
    /// Whether a view may be mirrored left to right (off where mirroring changes what an image
    /// shows: digits, text).
    public var flips: Bool

    /// Defaults for `imageSize` px images: SimCLR's recipe for 96 px and up (crop from 8%,
    /// blur with p = 0.5), a gentler one for small images (crop from 20%, no blur).
    public init(imageSize: Int, viewSize: Int? = nil, cropMinimumScale: Float? = nil, colorJitter: Float = 0.4, colorJitterProbability: Float = 0.8,
                grayscaleProbability: Float = 0.2, blurProbability: Float? = nil, flips: Bool = true) {
        self.imageSize = imageSize
        self.viewSize = viewSize ?? imageSize
        self.cropMinimumScale = cropMinimumScale ?? (imageSize >= 64 ? 0.08 : 0.2)
        self.colorJitter = colorJitter
        self.colorJitterProbability = colorJitterProbability
        self.grayscaleProbability = grayscaleProbability
        self.blurProbability = blurProbability ?? (imageSize >= 64 ? 0.5 : 0)
        self.flips = flips
    }

    /// One view's transform for images with `channels` channels.
    public func view(channels: Int) -> Transform {
        var steps: [Transform] = [RandomResizedCrop(size: viewSize, scale: cropMinimumScale...1)]
        if flips { steps.append(RandomHorizontalFlip()) }
        if colorJitter > 0 && colorJitterProbability > 0 {
            let saturation = channels == 3 ? colorJitter : 0, hue = channels == 3 ? colorJitter / 4 : 0
            steps.append(RandomApply(ColorJitter(brightness: colorJitter, contrast: colorJitter, saturation: saturation, hue: hue),
                                     probability: colorJitterProbability))
        }
        if channels == 3 && grayscaleProbability > 0 { steps.append(RandomGrayscale(probability: grayscaleProbability)) }
        if blurProbability > 0 {
            let kernel = max(3, (viewSize / 10) | 1)
            steps.append(RandomApply(GaussianBlur(kernelSize: kernel), probability: blurProbability))
        }
        return Compose(steps)
    }

    /// The two view transforms (independently seeded by the loader).
    public func views(channels: Int) -> [Transform] { [view(channels: channels), view(channels: channels)] }
}
