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
    /// In data-parallel training each process classifies its part of every batch and the counts
    /// and sums are added up over the processes: every process gets one process's figures.
    public static func evaluate(_ model: Module, on loader: BatchSource) throws -> (metrics: EpochMetrics, confusion: ConfusionMatrix) {
        let classCount = loader.classCount
        let group = DataParallel.group
        var confusion = ConfusionMatrix(classCount: classCount)
        var lossSum = 0.0, topFive = 0.0, seen = 0
        // The first image (1-based, in the loader's order) with a score that is not finite, and that score.
        var nonFinite: (image: Int, value: Float)?
        let (batches, firstPositions) = loader.batches(epoch: 0).shardedParts(rank: group.rank, of: group.size)
        for (batch, first) in zip(batches, firstPositions) {
            let logits = model.inference(batch.images)
            require(logits.rank == 2 && logits.shape[1] == classCount,
                    "ClassificationValidation: the model gives \(logits.shape) scores for \(classCount) classes")
            let scores = logits.scalars
            if let bad = scores.firstIndex(where: { !$0.isFinite }) {
                nonFinite = (first + bad / classCount + 1, scores[bad])
                break
            }
            lossSum += Double(logits.crossEntropy(labels: batch.labels).item) * Double(batch.labels.count)
            confusion.add(predictions: logits.argmax(axis: 1), labels: batch.labels)
            if classCount >= 5 {
                topFive += topKAccuracy(scores: scores, classCount: classCount, labels: batch.labels, k: 5)
                    * Double(batch.labels.count)
            }
            seen += batch.labels.count
        }
        if group.size > 1 {
            var totals = confusion.counts.flatMap { $0.map(Double.init) } + [lossSum, topFive, Double(seen)]
            group.allReduceSum(&totals)
            // The earliest non-finite image of any process, negated so that the maximum finds it.
            var earliest = [nonFinite.map { -Double($0.image) } ?? -Double.infinity]
            group.allReduceMax(&earliest)
            if earliest[0].isFinite {
                throw TrainingError.nonFiniteScores(image: Int(-earliest[0]), value: nonFinite?.value ?? .nan)
            }
            confusion = ConfusionMatrix(counts: (0..<classCount).map { row in (0..<classCount).map { Int(totals[row * classCount + $0].rounded()) } })
            (lossSum, topFive, seen) = (totals[classCount * classCount], totals[classCount * classCount + 1], Int(totals[classCount * classCount + 2]))
        } else if let nonFinite {
            throw TrainingError.nonFiniteScores(image: nonFinite.image, value: nonFinite.value)
        }
        var metrics: EpochMetrics = ["loss": lossSum / Double(max(seen, 1)), "accuracy": confusion.accuracy,
                                     "balanced_accuracy": confusion.balancedAccuracy]
        if classCount >= 5 { metrics["top5"] = topFive / Double(max(seen, 1)) }
        return (metrics, confusion)
    }
}
