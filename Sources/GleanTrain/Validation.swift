import GleanData
import GleanNN
import GleanTensor

/// What the trainer measures after each epoch on held-out data. The metrics it returns get a
/// `val_` prefix (`val_loss`, `val_accuracy`, `val_knn_accuracy`). Classification tasks use
/// `ClassificationValidation`; a task without class scores brings its own (SimCLR: kNN).
public protocol Validation {
    /// Metrics of `model` (already in eval mode, with EMA weights when the trainer keeps them);
    /// throws rather than compute a metric from scores that are not finite.
    func validate(_ model: Module) throws -> EpochMetrics
}

/// Loss, top-1, top-5 (five or more classes) and balanced accuracy of a classifier's logits
/// on a loader's labeled images.
public struct ClassificationValidation: Validation {
    public let loader: BatchSource

    public init(_ loader: BatchSource) { self.loader = loader }

    public func validate(_ model: Module) throws -> EpochMetrics { try Self.evaluate(model, on: loader).metrics }

    /// Metrics and confusion matrix of `model` on every batch of `loader` (its fused inference
    /// form, `Module.inference(_:)`); throws `TrainingError.nonFiniteScores` when a score is NaN or infinite.
    public static func evaluate(_ model: Module, on loader: BatchSource) throws -> (metrics: EpochMetrics, confusion: ConfusionMatrix) {
        let classCount = loader.classCount
        var confusion = ConfusionMatrix(classCount: classCount)
        var lossSum = 0.0, topFive = 0.0, seen = 0
        for batch in loader.batches(epoch: 0) {
            let logits = model.inference(batch.images)
            require(logits.rank == 2 && logits.shape[1] == classCount,
                    "ClassificationValidation: the model gives \(logits.shape) scores for \(classCount) classes")
            let scores = logits.scalars
            if let bad = scores.firstIndex(where: { !$0.isFinite }) {
                throw TrainingError.nonFiniteScores(image: seen + bad / classCount + 1, value: scores[bad])
            }
            lossSum += Double(logits.crossEntropy(labels: batch.labels).item) * Double(batch.labels.count)
            confusion.add(predictions: logits.argmax(axis: 1), labels: batch.labels)
            if classCount >= 5 {
                topFive += topKAccuracy(scores: scores, classCount: classCount, labels: batch.labels, k: 5)
                    * Double(batch.labels.count)
            }
            seen += batch.labels.count
        }
        var metrics: EpochMetrics = ["loss": lossSum / Double(max(seen, 1)), "accuracy": confusion.accuracy,
                                     "balanced_accuracy": confusion.balancedAccuracy]
        if classCount >= 5 { metrics["top5"] = topFive / Double(max(seen, 1)) }
        return (metrics, confusion)
    }
}
