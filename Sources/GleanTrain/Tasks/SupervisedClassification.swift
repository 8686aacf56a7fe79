import GleanData
import GleanNN
import GleanTensor

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

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!
        model.train()
        let logits = model(labeled.images)
        let loss = logits.crossEntropy(labels: labeled.labels, classWeights: classWeights, labelSmoothing: labelSmoothing)
        return StepOutput(loss: loss, logits: logits, labels: labeled.labels)
    }
}
