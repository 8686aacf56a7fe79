import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// Online pseudo-labeling (Lee, 2013): each step classifies a labeled and an unlabeled batch in
/// one pass (batch-norm statistics over both), labels the unlabeled images with the current
/// model's argmax and adds their cross-entropy with a ramped weight,
/// `loss = CE(labeled) + alpha(step) · Σ maskᵢ·CE(unlabeledᵢ, argmaxᵢ) / N_u`,
/// where the mask keeps pseudo-labels of confidence ≥ `threshold` (0: every one).
///
/// With `labelsFromEvalPass`, the pseudo-labels come from a separate pass in eval mode (no
/// dropout, no gradients) over the same unlabeled batch, so the loss's pass learns to agree
/// under dropout with the model's clean prediction instead of with its own noisy argmax.
///
/// With `mixing` (pseudo-labeling with MixUp, Arazo et al. 2020, against confirmation bias), the
/// pseudo-labels come from a separate pass over the unmixed unlabeled images (eval mode, no
/// gradients); then the labeled batch (one-hot labels) and the unlabeled batch (one-hot
/// pseudo-labels) are each mixed within themselves, and both cross-entropies take the mixed
/// targets. The ramp and the mask apply as without mixing.
public final class OnlinePseudoLabeling: TrainingTask {
    public let model: Module
    /// The pseudo-label weight by step (remade when a time budget corrects the run's length).
    public var ramp: PseudoLabelRamp
    public let threshold: Float
    public let mixing: BatchMixing.Kind?
    /// Whether an eval-mode pass makes the pseudo-labels (always with `mixing`).
    public let labelsFromEvalPass: Bool
    /// Seeds the mixing: step `s` draws from `RandomGenerator(seed: seed, stream: "mixing/s")`.
    public let seed: UInt64
    /// Whether the unlabeled batches carry their true labels (hidden from the loss), so that
    /// the pseudo-labels' accuracy can be reported.
    public let reportsPseudoLabelAccuracy: Bool
    public var inputs: StepInputs { .labeledAndUnlabeled }

    public init(model: Module, ramp: PseudoLabelRamp, threshold: Float = 0, mixing: BatchMixing.Kind? = nil, labelsFromEvalPass: Bool = false,
                seed: UInt64 = 0, reportsPseudoLabelAccuracy: Bool = true) {
        require(threshold >= 0 && threshold <= 1, "OnlinePseudoLabeling: threshold \(threshold) must be in [0, 1]")
        self.model = model
        self.ramp = ramp
        self.threshold = threshold
        self.mixing = mixing
        self.labelsFromEvalPass = labelsFromEvalPass || mixing != nil
        self.seed = seed
        self.reportsPseudoLabelAccuracy = reportsPseudoLabelAccuracy
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!, unlabeled = batch.unlabeled!
        let count = labeled.labels.count
        var cleanPseudo: PseudoLabels?
        if labelsFromEvalPass {
            model.eval()
            cleanPseudo = PseudoLabels(logits: withoutGradients { model(unlabeled.images) }, threshold: threshold)
        }
        model.train()
        let pseudo: PseudoLabels, supervised: Tensor, unsupervised: Tensor, labeledLogits: Tensor?
        if let mixing, let cleanPseudo {
            pseudo = cleanPseudo
            var generator = RandomGenerator(seed: seed, stream: "mixing/\(context.globalStep)")
            (supervised, unsupervised) = MixedPseudoLabelLosses.losses(model: model, kind: mixing, labeled: labeled, unlabeledImages: unlabeled.images,
                                                                       pseudo: pseudo, generator: &generator)
            labeledLogits = nil
        } else {
            let logits = model(Tensor.concat([labeled.images, unlabeled.images], axis: 0))
            let unlabeledLogits = logits.sliced(axis: 0, count..<logits.shape[0])
            labeledLogits = logits.sliced(axis: 0, 0..<count)
            supervised = labeledLogits!.crossEntropy(labels: labeled.labels)
            pseudo = cleanPseudo ?? PseudoLabels(logits: unlabeledLogits, threshold: threshold)
            unsupervised = pseudo.maskedCrossEntropy(unlabeledLogits)
        }
        let alpha = ramp.weight(at: context.globalStep)
        var scalars = pseudo.scalars(trueLabels: reportsPseudoLabelAccuracy ? unlabeled.labels : nil)
        scalars["loss_x"] = Double(supervised.item)
        scalars["loss_u"] = Double(unsupervised.item)
        scalars["alpha"] = Double(alpha)
        return StepOutput(loss: supervised + alpha * unsupervised, logits: labeledLogits, labels: labeledLogits == nil ? [] : labeled.labels,
                          exampleCount: count + unlabeled.labels.count, scalars: scalars)
    }
}
