import Foundation
import GleanData
import GleanNN
import GleanTensor

/// The training loop shared by every method: steps a `TrainingTask` over a loader's batches,
/// applies the optimizer and learning-rate schedule, validates each epoch and drives callbacks.
public final class Trainer {
    public let task: TrainingTask
    public let optimizer: Optimizer
    /// Multiplier of the optimizer's initial rates, as a function of the optimizer step.
    public let schedule: LearningRateSchedule?
    public var callbacks: [Callback]

    public init(task: TrainingTask, optimizer: Optimizer, schedule: LearningRateSchedule? = nil, callbacks: [Callback] = []) {
        self.task = task
        self.optimizer = optimizer
        self.schedule = schedule
        self.callbacks = callbacks
    }

    /// Trains epochs `startEpoch..<epochs` and returns the metrics of each (validation metrics
    /// included when `validation` is given). `startEpoch`/`startStep` continue a resumed run.
    @discardableResult
    public func fit(train: DataLoader, validation: DataLoader? = nil, epochs: Int, startEpoch: Int = 0,
                    startStep: Int = 0, history: [EpochMetrics] = []) throws -> [EpochMetrics] {
        require(epochs > 0 && startEpoch >= 0, "Trainer.fit: epochs \(epochs) must be positive")
        let context = TrainingContext(task: task, optimizer: optimizer, totalEpochs: epochs)
        context.step = startStep
        context.history = history
        try callbacks.forEach { try $0.fitStarted(context) }
        for epoch in startEpoch..<epochs where !context.stopRequested {
            context.epoch = epoch
            context.stepsPerEpoch = train.batchCount(epoch: epoch)
            try callbacks.forEach { try $0.epochStarted(context) }
            var metrics = try trainEpoch(train, context: context)
            if let validation {
                let (validationMetrics, _) = evaluate(validation)
                for (key, value) in validationMetrics { metrics["val_" + key] = value }
            }
            metrics["lr"] = Double(optimizer.groups.first?.learningRate ?? 0)
            context.history.append(metrics)
            try callbacks.forEach { try $0.epochFinished(context, metrics: metrics) }
        }
        try callbacks.forEach { try $0.fitFinished(context) }
        return context.history
    }

    private func trainEpoch(_ loader: DataLoader, context: TrainingContext) throws -> EpochMetrics {
        var lossSum = 0.0, correct = 0, seen = 0
        let start = Date()
        for (index, batch) in loader.batches(epoch: context.epoch).enumerated() {
            if let schedule { optimizer.scaleLearningRates(by: schedule.multiplier(at: context.step)) }
            optimizer.zeroGrad()
            let output = task.trainingStep(batch)
            output.loss.backward()
            optimizer.step()
            let loss = output.loss.item
            guard loss.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: context.epoch + 1, step: index + 1)
            }
            lossSum += Double(loss) * Double(output.labels.count)
            if let logits = output.logits {
                correct += zip(logits.argmax(axis: 1), output.labels).filter { $0 == $1 }.count
            }
            seen += output.labels.count
            context.runningAccuracy = output.logits == nil ? nil : Double(correct) / Double(seen)
            context.step += 1
            let rate = Double(seen) / max(Date().timeIntervalSince(start), 1e-9)
            try callbacks.forEach { try $0.batchFinished(context, loss: loss, batchIndex: index, imagesPerSecond: rate) }
        }
        let seconds = Date().timeIntervalSince(start)
        return ["loss": lossSum / Double(max(seen, 1)), "accuracy": Double(correct) / Double(max(seen, 1)),
                "seconds": seconds, "images_per_s": Double(seen) / max(seconds, 1e-9)]
    }

    /// Loss, accuracy and top-5 accuracy (five or more classes) over a loader, with the
    /// confusion matrix.
    public func evaluate(_ loader: DataLoader) -> (EpochMetrics, ConfusionMatrix) {
        Self.evaluate(task, loader)
    }

    /// `evaluate` for any task, without a trainer.
    public static func evaluate(_ task: TrainingTask, _ loader: DataLoader) -> (EpochMetrics, ConfusionMatrix) {
        let classCount = loader.dataset.classCount
        var confusion = ConfusionMatrix(classCount: classCount)
        var lossSum = 0.0, topFive = 0.0, seen = 0
        for batch in loader.batches(epoch: 0) {
            let output = task.evaluationStep(batch)
            lossSum += Double(output.loss.item) * Double(output.labels.count)
            if let logits = output.logits {
                confusion.add(predictions: logits.argmax(axis: 1), labels: output.labels)
                if classCount >= 5 {
                    topFive += topKAccuracy(scores: logits.scalars, classCount: classCount, labels: output.labels, k: 5)
                        * Double(output.labels.count)
                }
            }
            seen += output.labels.count
        }
        var metrics: EpochMetrics = ["loss": lossSum / Double(max(seen, 1)), "accuracy": confusion.accuracy,
                                     "balanced_accuracy": confusion.balancedAccuracy]
        if classCount >= 5 { metrics["top5"] = topFive / Double(max(seen, 1)) }
        return (metrics, confusion)
    }
}

/// Why training stopped with an error.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, step: Int)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step):
            return "the loss became NaN or infinite at epoch \(epoch), step \(step); lower the learning rate"
        }
    }
}
