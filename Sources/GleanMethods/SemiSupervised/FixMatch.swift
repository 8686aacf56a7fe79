import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// FixMatch (Sohn et al., 2020): a labeled batch (weakly augmented) and an unlabeled batch with
/// a weak and a strong view go through the model in one pass; the weak view's confident
/// predictions (softmax ≥ `threshold`) become hard labels for the strong view,
/// `loss = CE(labeled) + λᵤ · Σ maskᵢ·CE(strongᵢ, argmax weakᵢ) / N_u`.
/// Evaluate with an exponential moving average of the weights (the trainer's `weightAverage`).
///
/// With `labelsFromEvalPass`, the weak view is classified in a separate pass in eval mode (no
/// dropout, running batch-norm statistics, no gradients) and only the labeled batch and the
/// strong view go through the training pass: the pseudo-labels of a model with dropout are then
/// those of the network FixMatch was designed for (USB's networks have none), not of a random
/// half of it.
///
/// With `mixing` (a documented departure from the paper, after pseudo-labeling with MixUp), the
/// weak view is labeled in that eval-mode pass, then the labeled batch (one-hot labels) and the
/// strong view (the pseudo-labels, zero rows where below the threshold) are each mixed within
/// themselves and both cross-entropies take the mixed targets.
public final class FixMatch: TrainingTask {
    public let model: Module
    public let threshold: Float
    public let unlabeledWeight: Float
    /// Whether the unlabeled batches carry their true labels (hidden from the loss), so that
    /// the pseudo-labels' accuracy can be reported.
    public let reportsPseudoLabelAccuracy: Bool
    /// FlexMatch's per-class thresholds in place of the fixed one (nil: FixMatch).
    public let flexibleThresholds: FlexibleThresholds?
    /// Aligns the weak view's probabilities to the labeled class distribution before the
    /// threshold (nil: FixMatch as published).
    public let distributionAlignment: DistributionAlignment?
    /// Whether an eval-mode pass over the weak view makes the pseudo-labels (always with `mixing`).
    public let labelsFromEvalPass: Bool
    /// MixUp or CutMix of the labeled batch and of the strong view (nil: FixMatch as published).
    public let mixing: BatchMixing.Kind?
    /// Seeds the mixing: step `s` draws from `RandomGenerator(seed: seed, stream: "mixing/s")`.
    public let seed: UInt64
    public var inputs: StepInputs { .labeledAndUnlabeled }

    /// - Parameters:
    ///   - flexibleThresholds: turns FixMatch into FlexMatch (its `threshold` is τ).
    ///   - distributionAlignment: aligns the weak view's probabilities before the threshold.
    public init(model: Module, threshold: Float = 0.95, unlabeledWeight: Float = 1, reportsPseudoLabelAccuracy: Bool = true,
                flexibleThresholds: FlexibleThresholds? = nil, distributionAlignment: DistributionAlignment? = nil,
                labelsFromEvalPass: Bool = false, mixing: BatchMixing.Kind? = nil, seed: UInt64 = 0) {
        require(threshold >= 0 && threshold <= 1, "FixMatch: threshold \(threshold) must be in [0, 1]")
        require(unlabeledWeight >= 0 && unlabeledWeight.isFinite, "FixMatch: unlabeled weight \(unlabeledWeight) must be finite and >= 0")
        self.model = model
        self.threshold = threshold
        self.unlabeledWeight = unlabeledWeight
        self.reportsPseudoLabelAccuracy = reportsPseudoLabelAccuracy
        self.flexibleThresholds = flexibleThresholds
        self.distributionAlignment = distributionAlignment
        self.labelsFromEvalPass = labelsFromEvalPass || mixing != nil
        self.mixing = mixing
        self.seed = seed
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!, unlabeled = batch.unlabeled!
        require(unlabeled.views.count == 2, "FixMatch: unlabeled batches need a weak and a strong view, got \(unlabeled.views.count) views")
        let (labeledCount, unlabeledCount) = (labeled.labels.count, unlabeled.labels.count)
        let pseudo: PseudoLabels, supervised: Tensor, unsupervised: Tensor, labeledLogits: Tensor?
        if labelsFromEvalPass {
            model.eval()
            pseudo = pseudoLabels(weakLogits: withoutGradients { model(unlabeled.views[0]) }, indices: unlabeled.indices)
            model.train()
            if let mixing {
                var generator = RandomGenerator(seed: seed, stream: "mixing/\(context.globalStep)")
                (supervised, unsupervised) = MixedPseudoLabelLosses.losses(model: model, kind: mixing, labeled: labeled,
                                                                           unlabeledImages: unlabeled.views[1], pseudo: pseudo, generator: &generator)
                labeledLogits = nil
            } else {
                let logits = model(Tensor.concat([labeled.images, unlabeled.views[1]], axis: 0))
                labeledLogits = logits.sliced(axis: 0, 0..<labeledCount)
                supervised = labeledLogits!.crossEntropy(labels: labeled.labels)
                unsupervised = pseudo.maskedCrossEntropy(logits.sliced(axis: 0, labeledCount..<logits.shape[0]))
            }
        } else {
            model.train()
            let logits = model(Tensor.concat([labeled.images, unlabeled.views[0], unlabeled.views[1]], axis: 0))
            labeledLogits = logits.sliced(axis: 0, 0..<labeledCount)
            supervised = labeledLogits!.crossEntropy(labels: labeled.labels)
            pseudo = pseudoLabels(weakLogits: logits.sliced(axis: 0, labeledCount..<(labeledCount + unlabeledCount)), indices: unlabeled.indices)
            unsupervised = pseudo.maskedCrossEntropy(logits.sliced(axis: 0, (labeledCount + unlabeledCount)..<logits.shape[0]))
        }
        var scalars = pseudo.scalars(trueLabels: reportsPseudoLabelAccuracy ? unlabeled.labels : nil)
        scalars["loss_x"] = Double(supervised.item)
        scalars["loss_u"] = Double(unsupervised.item)
        return StepOutput(loss: supervised + unlabeledWeight * unsupervised, logits: labeledLogits, labels: labeledLogits == nil ? [] : labeled.labels,
                          exampleCount: labeledCount + unlabeledCount, scalars: scalars)
    }

    /// The weak view's pseudo-labels (aligned when asked) under the fixed threshold, or
    /// FlexMatch's per-class ones.
    private func pseudoLabels(weakLogits: Tensor, indices: [Int]) -> PseudoLabels {
        var pseudo: PseudoLabels
        if let distributionAlignment {
            let probabilities = withoutGradients { weakLogits.detached().softmax(axis: 1) }.scalars
            pseudo = PseudoLabels(probabilities: distributionAlignment.align(probabilities, rows: weakLogits.shape[0]),
                                  classCount: weakLogits.shape[1], threshold: threshold)
        } else {
            pseudo = PseudoLabels(logits: weakLogits, threshold: threshold)
        }
        if let flexibleThresholds { pseudo.mask = flexibleThresholds.mask(pseudo, indices: indices) }
        return pseudo
    }

    public func saveState() -> SavedState {
        SavedState(tensors: (flexibleThresholds?.saveState() ?? []) + (distributionAlignment?.saveState() ?? []))
    }

    public func restoreState(_ state: SavedState) throws {
        try flexibleThresholds?.restoreState(state.tensors)
        try distributionAlignment?.restoreState(state.tensors)
    }
}

/// FixMatch's two views of an unlabeled image and the labeled images' augmentation: weak =
/// horizontal flip + translation by up to 12.5% (reflect padding); strong = weak + RandAugment
/// + cutout (a random square set to mid-gray), as in USB.
public struct FixMatchAugmentation: Sendable {
    public var imageSize: Int
    /// The strong view's RandAugment.
    public var randAugment: RandAugment
    /// Whether to flip horizontally (off for images where left and right differ, like digits).
    public var flips: Bool

    public init(imageSize: Int, randAugment: RandAugment = RandAugment(count: 2, magnitude: 10), flips: Bool = true) {
        self.imageSize = imageSize
        self.randAugment = randAugment
        self.flips = flips
    }

    /// Flip and translate: the labeled images' augmentation and the unlabeled weak view.
    public var weak: Transform {
        let crop = RandomCrop(size: imageSize, padding: max(1, imageSize / 8), mode: .reflect)
        return flips ? Compose([RandomHorizontalFlip(), crop]) : crop
    }

    /// The weak view, then RandAugment and cutout.
    public var strong: Transform {
        Compose([weak, randAugment,
                 RandomErasing(probability: 1, scale: 0.02...0.25, ratio: 1...1, value: 0.5)])
    }

    /// The unlabeled views, weak first.
    public var views: [Transform] { [weak, strong] }
}
