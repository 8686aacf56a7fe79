import GleanData
import GleanNN
import GleanTensor

/// What one step computed.
public struct StepOutput {
    /// Scalar loss (with gradients in training steps).
    public let loss: Tensor
    /// `[N, C]` class scores, when the task classifies.
    public let logits: Tensor?
    /// True labels of the batch, for accuracy metrics.
    public let labels: [Int]
}

/// One training or evaluation step: batch in, loss and outputs out. Supervised training,
/// SimCLR, FixMatch and distillation implement this and share the `Trainer` loop.
public protocol TrainingTask: AnyObject {
    /// The module whose parameters the optimizer updates and checkpoints save.
    var model: Module { get }
    /// Forward pass in training mode; the trainer calls `backward()` on the loss.
    func trainingStep(_ batch: Batch) -> StepOutput
    /// Forward pass in eval mode without gradients.
    func evaluationStep(_ batch: Batch) -> StepOutput
}

/// Supervised classification with cross-entropy (optional class weights and label smoothing).
public final class SupervisedClassification: TrainingTask {
    public let model: Module
    public let classWeights: [Float]?
    public let labelSmoothing: Float

    public init(model: Module, classWeights: [Float]? = nil, labelSmoothing: Float = 0) {
        self.model = model
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    public func trainingStep(_ batch: Batch) -> StepOutput {
        model.train()
        let logits = model(batch.images)
        let loss = logits.crossEntropy(labels: batch.labels, classWeights: classWeights, labelSmoothing: labelSmoothing)
        return StepOutput(loss: loss, logits: logits, labels: batch.labels)
    }

    public func evaluationStep(_ batch: Batch) -> StepOutput {
        model.eval()
        return withoutGradients {
            let logits = model(batch.images)
            return StepOutput(loss: logits.crossEntropy(labels: batch.labels), logits: logits, labels: batch.labels)
        }
    }
}
