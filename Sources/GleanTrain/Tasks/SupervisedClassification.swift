import GleanData
import GleanNN
import GleanTensor

/// Changes a batch's labels before the loss (e.g. DisturbLabel), from the step's own seeded
/// randomness, so that a resumed run draws the same labels.
public protocol LabelNoise {
    /// The labels the loss sees for `labels` at optimizer step `step`.
    func apply(to labels: [Int], step: Int) -> [Int]
}

/// Supervised classification with cross-entropy: optional class weights, label smoothing,
/// MixUp or CutMix on each batch, and label noise.
public final class SupervisedClassification: TrainingTask {
    /// Batch-level mixing of images and labels: the labels become one-hot targets over
    /// `classCount` classes, mixed as the images are.
    public struct Mixing: Equatable, Sendable {
        public let kind: BatchMixing.Kind
        public let classCount: Int

        public init(_ kind: BatchMixing.Kind, classCount: Int) {
            self.kind = kind
            self.classCount = classCount
        }
    }

    public let model: Module
    public let classWeights: [Float]?
    public let labelSmoothing: Float
    public let mixing: Mixing?
    public let labelNoise: LabelNoise?
    /// Seeds the mixing: step `s` draws from `RandomGenerator(seed: seed, stream: "mixing/s")`.
    public let seed: UInt64

    public init(model: Module, classWeights: [Float]? = nil, labelSmoothing: Float = 0, mixing: Mixing? = nil,
                labelNoise: LabelNoise? = nil, seed: UInt64 = 0) {
        require(mixing == nil || classWeights == nil, "SupervisedClassification: class weights do not apply to MixUp/CutMix targets")
        self.model = model
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
        self.mixing = mixing
        self.labelNoise = labelNoise
        self.seed = seed
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        var labeled = batch.labeled!
        model.train()
        if let labelNoise {
            labeled = Batch(images: labeled.images, labels: labelNoise.apply(to: labeled.labels, step: context.globalStep),
                            indices: labeled.indices, views: labeled.views)
        }
        guard let mixing else {
            let logits = model(labeled.images)
            let loss = logits.crossEntropy(labels: labeled.labels, classWeights: classWeights, labelSmoothing: labelSmoothing)
            return StepOutput(loss: loss, logits: logits, labels: batch.labeled!.labels)
        }
        var generator = RandomGenerator(seed: seed, stream: "mixing/\(context.globalStep)")
        let classCount = mixing.classCount
        let mixed = BatchMixing.mix(mixing.kind, images: labeled.images, targets: .oneHot(labeled.labels, classes: classCount),
                                    generator: &generator)
        var targets = mixed.targets
        if labelSmoothing > 0 { targets = targets * (1 - labelSmoothing) + labelSmoothing / Float(classCount) }
        let logits = model(mixed.images)
        return StepOutput(loss: logits.crossEntropy(targets: targets), exampleCount: labeled.labels.count)
    }
}
