import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// Online pseudo-labeling (Lee, 2013): each step classifies a labeled and an unlabeled batch in
/// one pass (batch-norm statistics over both), labels the unlabeled images with the current
/// model's argmax and adds their cross-entropy with a ramped weight,
/// `loss = CE(labeled) + alpha(step) · Σ maskᵢ·CE(unlabeledᵢ, argmaxᵢ) / N_u`,
/// where the mask keeps pseudo-labels of confidence ≥ `threshold` (0: every one).
public final class OnlinePseudoLabeling: TrainingTask {
    public let model: Module
    public let ramp: PseudoLabelRamp
    public let threshold: Float
    /// Whether the unlabeled batches carry their true labels (hidden from the loss), so that
    /// the pseudo-labels' accuracy can be reported.
    public let reportsPseudoLabelAccuracy: Bool
    public var inputs: StepInputs { .labeledAndUnlabeled }

    public init(model: Module, ramp: PseudoLabelRamp, threshold: Float = 0, reportsPseudoLabelAccuracy: Bool = true) {
        require(threshold >= 0 && threshold <= 1, "OnlinePseudoLabeling: threshold \(threshold) must be in [0, 1]")
        self.model = model
        self.ramp = ramp
        self.threshold = threshold
        self.reportsPseudoLabelAccuracy = reportsPseudoLabelAccuracy
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!, unlabeled = batch.unlabeled!
        model.train()
        let count = labeled.labels.count
        let logits = model(Tensor.concat([labeled.images, unlabeled.images], axis: 0))
        let labeledLogits = logits.sliced(axis: 0, 0..<count)
        let unlabeledLogits = logits.sliced(axis: 0, count..<logits.shape[0])
        let supervised = labeledLogits.crossEntropy(labels: labeled.labels)
        let pseudo = PseudoLabels(logits: unlabeledLogits, threshold: threshold)
        let unsupervised = pseudo.maskedCrossEntropy(unlabeledLogits)
        let alpha = ramp.weight(at: context.globalStep)
        var scalars = pseudo.scalars(trueLabels: reportsPseudoLabelAccuracy ? unlabeled.labels : nil)
        scalars["loss_x"] = Double(supervised.item)
        scalars["loss_u"] = Double(unsupervised.item)
        scalars["alpha"] = Double(alpha)
        return StepOutput(loss: supervised + alpha * unsupervised, logits: labeledLogits, labels: labeled.labels,
                          exampleCount: count + unlabeled.labels.count, scalars: scalars)
    }
}
