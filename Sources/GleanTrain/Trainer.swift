import Foundation
import GleanData
import GleanNN
import GleanTensor

/// The training loop shared by every method. Each step it draws what the task consumes (a
/// labeled batch, an unlabeled batch, or both), runs the task's step, back-propagates, applies
/// the schedule and the optimizer, calls the task's after-step hook and updates the weight
/// average; after each epoch it validates and drives the callbacks.
///
/// With an unlabeled loader, an epoch is one pass over the unlabeled images and labeled batches
/// come from an endless stream over the labeled loader; otherwise an epoch is one pass over
/// the labeled loader.
public final class Trainer {
    public let task: TrainingTask
    public let optimizer: Optimizer
    /// Multiplier of the optimizer's initial rates, as a function of the optimizer step (a
    /// time budget that corrects the epoch count remakes it for the new count).
    public var schedule: LearningRateSchedule?
    public var callbacks: [Callback]
    /// When set, validation, checkpoints and the final evaluation use these averaged weights.
    public let weightAverage: ExponentialMovingAverage?
    /// The buckets in which gradients are averaged over the processes, remade when the
    /// trainable parameters change (a fine-tuning phase unfreezes some).
    private var buckets: GradientBuckets?

    public init(task: TrainingTask, optimizer: Optimizer, schedule: LearningRateSchedule? = nil,
                callbacks: [Callback] = [], weightAverage: ExponentialMovingAverage? = nil) {
        self.task = task
        self.optimizer = optimizer
        self.schedule = schedule
        self.callbacks = callbacks
        self.weightAverage = weightAverage
    }

    /// Trains epochs `resuming.nextEpoch..<epochs` (`epochs` as a callback may correct it, see
    /// `TimeBudgetReplan`) and returns the metrics of every epoch (validation metrics prefixed
    /// `val_`). `resuming` comes from `restore(from:)`.
    @discardableResult
    public func fit(labeled: BatchSource? = nil, unlabeled: BatchSource? = nil, validation: Validation? = nil,
                    epochs: Int, resuming: ResumeState.Position? = nil) throws -> [EpochMetrics] {
        require(epochs > 0, "Trainer.fit: epochs \(epochs) must be positive")
        require(!task.inputs.needsLabeled || labeled != nil, "Trainer.fit: \(type(of: task)) needs a labeled loader")
        require(!task.inputs.needsUnlabeled || unlabeled != nil, "Trainer.fit: \(type(of: task)) needs an unlabeled loader")
        let epochLoader = (task.inputs.needsUnlabeled ? unlabeled : labeled)!
        if let resuming { try Self.checkConsistent(resuming, epochs: epochs, epochLoader: epochLoader) }
        let labeledStream = task.inputs == .labeledAndUnlabeled
            ? EndlessBatchStream(loader: labeled!, position: resuming?.labeledStreamPosition ?? 0) : nil
        let context = TrainingContext(task: task, optimizer: optimizer, totalEpochs: epochs, weightAverage: weightAverage)
        context.step = resuming?.step ?? 0
        context.history = resuming?.history ?? []
        context.labeledStream = labeledStream
        // The resume file is written last, after every other callback has updated its state.
        let callbacks = self.callbacks.filter { !($0 is ResumeCheckpoint) } + self.callbacks.filter { $0 is ResumeCheckpoint }
        context.callbacks = callbacks
        try callbacks.forEach { try $0.fitStarted(context) }
        var epoch = resuming?.nextEpoch ?? 0
        while epoch < context.totalEpochs && !context.stopRequested {
            context.epoch = epoch
            context.stepsPerEpoch = epochLoader.batchCount(epoch: epoch)
            try callbacks.forEach { try $0.epochStarted(context) }
            let group = DataParallel.group
            let batches = epochLoader.batches(epoch: epoch)
            var metrics = try trainEpoch(batches.shard(rank: group.rank, of: group.size).makeIterator(),
                                         labeledStream: labeledStream?.next(batches.count).shard(rank: group.rank, of: group.size).makeIterator(),
                                         context: context)
            if let validation {
                let validationMetrics = try withEvaluationWeights { try validation.validate(task.model) }
                for (key, value) in validationMetrics { metrics["val_" + key] = value }
            }
            metrics["lr"] = Double(optimizer.groups.first?.learningRate ?? 0)
            context.history.append(metrics)
            try callbacks.forEach { try $0.epochFinished(context, metrics: metrics) }
            // Every process leaves the loop together (a time budget reads each one's own clock).
            context.stopRequested = DataParallel.group.anyRequests(context.stopRequested)
            if DataParallel.checksReplicas { try checkReplicas(epoch: epoch + 1) }
            epoch += 1
        }
        try callbacks.forEach { try $0.fitFinished(context) }
        return context.history
    }

    /// `fit` for supervised training: `train` is the labeled loader, `validation` is classified.
    @discardableResult
    public func fit(train: BatchSource, validation: BatchSource? = nil, epochs: Int,
                    resuming: ResumeState.Position? = nil) throws -> [EpochMetrics] {
        try fit(labeled: train, validation: validation.map(ClassificationValidation.init), epochs: epochs, resuming: resuming)
    }

    private func gradientBuckets(for parameters: [Parameter]) -> GradientBuckets {
        if let buckets, buckets.fits(parameters) { return buckets }
        let made = GradientBuckets(parameters: parameters)
        buckets = made
        return made
    }

    private func trainEpoch(_ epochBatches: BatchIterator, labeledStream: BatchIterator?,
                            context: TrainingContext) throws -> EpochMetrics {
        var lossSum = 0.0, correct = 0, classified = 0, examples = 0, steps = 0, averagingSeconds = 0.0
        var scalarSums: [String: Double] = [:]
        let start = Date()
        let totalSteps = context.stepsPerEpoch * context.totalEpochs
        while let epochBatch = epochBatches.next() {
            let stepContext = StepContext(globalStep: context.step, epoch: context.epoch, stepInEpoch: steps,
                                          stepsPerEpoch: context.stepsPerEpoch, totalSteps: totalSteps)
            let batch = task.inputs == .labeled ? StepBatch(labeled: epochBatch)
                : StepBatch(labeled: labeledStream?.next(), unlabeled: epochBatch)
            if let schedule { optimizer.scaleLearningRates(by: schedule.multiplier(at: context.step)) }
            optimizer.zeroGrad()
            let output = task.trainingStep(batch, context: stepContext)
            let loss = output.loss.item
            guard loss.isFinite else {
                throw TrainingError.nonFiniteLoss(epoch: context.epoch + 1, step: steps + 1)
            }
            averagingSeconds += gradientBuckets(for: optimizer.groups.flatMap(\.parameters))
                .backwardAndAverage(output.loss, examples: output.exampleCount)
            optimizer.step()
            task.afterOptimizerStep(stepContext)
            weightAverage?.update(step: context.step)
            lossSum += Double(loss)
            for (key, value) in output.scalars { scalarSums[key, default: 0] += value }
            if let logits = output.logits {
                correct += zip(logits.argmax(axis: 1), output.labels).filter { $0 == $1 }.count
                classified += output.labels.count
            }
            // Throughput counts the global batch (each of the processes trains on its equal part).
            examples += output.exampleCount * DataParallel.group.size
            steps += 1
            context.runningAccuracy = classified == 0 ? nil : Double(correct) / Double(classified)
            context.stepScalars = output.scalars
            context.step += 1
            let rate = Double(examples) / max(Date().timeIntervalSince(start), 1e-9)
            try context.callbacks.forEach { try $0.batchFinished(context, loss: loss, batchIndex: steps - 1, imagesPerSecond: rate) }
        }
        let seconds = Date().timeIntervalSince(start)
        let group = DataParallel.group
        if group.size > 1 {
            // The epoch's figures over every process's part: counts summed, per-step means averaged
            // (each process's mean over an equal part of the global batch).
            let keys = scalarSums.keys.sorted()
            var totals = [lossSum, Double(correct), Double(classified)] + keys.map { scalarSums[$0]! }
            group.allReduceSum(&totals)
            let size = Double(group.size)
            (lossSum, correct, classified) = (totals[0] / size, Int(totals[1].rounded()), Int(totals[2].rounded()))
            for (offset, key) in keys.enumerated() { scalarSums[key] = totals[3 + offset] / size }
        }
        var metrics: EpochMetrics = ["loss": lossSum / Double(max(steps, 1)), "seconds": seconds,
                                     "images_per_s": Double(examples) / max(seconds, 1e-9)]
        if classified > 0 { metrics["accuracy"] = Double(correct) / Double(classified) }
        for (key, sum) in scalarSums { metrics[key] = sum / Double(max(steps, 1)) }
        // Data parallel: seconds per step spent on the gradient average after the backward pass (what the
        // overlap did not hide, and waiting for the slowest rank).
        if DataParallel.group.size > 1 { metrics["allreduce_s"] = averagingSeconds / Double(max(steps, 1)) }
        return metrics
    }

    /// A resume position must lie inside this run: its epoch within `epochs`, its step count
    /// the steps of the epochs before it (a hand-edited or foreign file would otherwise change
    /// the schedule silently).
    private static func checkConsistent(_ position: ResumeState.Position, epochs: Int, epochLoader: BatchSource) throws {
        guard position.nextEpoch <= epochs else {
            throw TrainingError.inconsistentResume(path: position.source, reason: "it continues at epoch \(position.nextEpoch + 1) of a \(epochs)-epoch run")
        }
        let steps = (0..<position.nextEpoch).reduce(0) { $0 + epochLoader.batchCount(epoch: $1) }
        guard position.step == steps else {
            throw TrainingError.inconsistentResume(path: position.source, reason: "it counts \(position.step) steps, but its \(position.nextEpoch) finished epochs have \(steps)")
        }
    }

    /// With `GLEAN_CHECK_REPLICAS=1` in data-parallel training: after each epoch, a hash of the
    /// model's weights and buffers, the weight average and the optimizer's slots is compared over the processes;
    /// a process that differs stops the run on every one.
    private func checkReplicas(epoch: Int) throws {
        let group = DataParallel.group
        guard group.size > 1 else { return }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let tensors = task.model.namedParameters().map(\.1.value) + task.model.namedBuffers().map(\.1.value)
        let averaged = weightAverage?.stateDict().compactMap { entry -> [Float]? in
            if case let .float(values, _) = entry.1 { return values } else { return nil }
        } ?? []
        let optimizerSlots = optimizer.state.slots.flatMap { $0 }
        for values in tensors.map(\.scalars) + averaged + optimizerSlots {
            values.withUnsafeBytes { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }
        }
        let mine = [Double(hash >> 32), Double(hash & 0xffff_ffff)]
        var largest = mine
        group.allReduceMax(&largest)
        if group.anyRequests(largest != mine) {
            throw TrainingError.replicasDiverged(epoch: epoch, rank: group.rank, host: group.host, matches: largest == mine)
        }
        print("replica check: weights identical on \(group.size) ranks after epoch \(epoch)")
    }

    /// Runs `body` with the weights validation and checkpoints use (the average when kept).
    public func withEvaluationWeights<R>(_ body: () throws -> R) rethrows -> R {
        try weightAverage.map { try $0.withAveragedWeights(body) } ?? body()
    }

    /// Loads a resume file written by `ResumeCheckpoint` into the model, optimizer, task,
    /// weight average and callbacks; pass the result to `fit(… resuming:)`.
    public func restore(from path: String) throws -> ResumeState.Position {
        try ResumeState.restore(from: path, task: task, optimizer: optimizer, weightAverage: weightAverage,
                                callbacks: callbacks)
    }
}

/// Why training stopped with an error.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, step: Int)
    /// A held-out image got a NaN or infinite class score (1-based position in the loader's order).
    case nonFiniteScores(image: Int, value: Float)
    /// A resume file (`path`, empty when the position was built in code) whose position does not fit the run.
    case inconsistentResume(path: String, reason: String)
    /// Data-parallel processes hold different weights (`GLEAN_CHECK_REPLICAS=1`); `matches`:
    /// whether this rank holds the largest hash (the others are named in their own logs).
    case replicasDiverged(epoch: Int, rank: Int, host: String, matches: Bool)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step):
            return "the loss became NaN or infinite at epoch \(epoch), step \(step); lower the learning rate"
        case let .nonFiniteScores(image, value):
            return "the model scored held-out image \(image) as \(value), so no accuracy is computed; the weights have diverged "
                + "(lower the learning rate) or the checkpoint is damaged"
        case let .inconsistentResume(path, reason):
            return "\(path.isEmpty ? "the resume position" : path) does not fit this run: \(reason)"
        case let .replicasDiverged(epoch, rank, host, matches):
            return "replica check after epoch \(epoch): the ranks' weights differ" + (matches ? "" : "; rank \(rank) on \(host) is one that differs")
                + " (a bug in data-parallel training: please report it with the run's logs)"
        }
    }
}
