import Foundation
import Glean

/// The loaders of a classification run: shuffled, augmented labeled batches, and the
/// validation and test images in order, all normalised with the training pool's statistics.
struct ClassificationLoaders {
    let labeled: DataLoader
    let validation: DataLoader?
    let test: DataLoader

    init(data: ExperimentData, batchSize: Int, transform: Transform?, seed: UInt64) {
        labeled = DataLoader(dataset: data.labeled, batchSize: batchSize, sampler: RandomSampler(count: data.labeled.count, seed: seed),
                             transform: transform, mean: data.mean, std: data.std,
                             dropLast: data.labeled.count >= batchSize, seed: seed)
        validation = data.validation.map { Self.inOrder($0, data: data) }
        test = Self.inOrder(data.test, data: data)
    }

    /// Every image of `dataset` in order, in batches of 500, without augmentation.
    static func inOrder(_ dataset: ImageDataset, data: ExperimentData) -> DataLoader {
        DataLoader(dataset: dataset, batchSize: 500, sampler: SequentialSampler(count: dataset.count),
                   mean: data.mean, std: data.std, seed: 0)
    }
}

extension Experiment {
    /// The one look at the test split: top-1/top-5 and the confusion matrix of the trained
    /// classifier (with its evaluation weights), written to the reports.
    func reportTest(_ trainer: Trainer, test: BatchSource, data: ExperimentData, title: String,
                    extraSummary: [String] = []) throws {
        let (metrics, confusion) = trainer.withEvaluationWeights { ClassificationValidation.evaluate(trainer.task.model, on: test) }
        let selected = trainer.callbacks.compactMap { ($0 as? ModelCheckpoint)?.bestEpoch }.first
            .map { "best validation epoch \($0)" } ?? "last epoch"
        let summary = [String(format: "final test accuracy: %.2f%% (top-5 %.2f%%) on %d test images; %d labels used; weights of the %@",
                              100 * (metrics["accuracy"] ?? 0), 100 * (metrics["top5"] ?? 0), data.test.count, data.labelsUsed, selected)]
            + extraSummary
        try report(title: title, summary: summary, confusion: confusion, classNames: data.test.classNames)
    }
}

extension OptimizationOptions {
    /// With a time budget (`minutes` > 0) on a new run, times the first steps of `task` and
    /// sets `epochs` to what fits; the chosen count is then part of the run's config.
    mutating func resolveEpochs(task: TrainingTask, labeled: BatchSource?, unlabeled: BatchSource?, resuming: Bool) throws {
        guard minutes > 0, !resuming else { return }
        let seconds = TimeBudget.secondsPerStep(task: task, labeled: labeled, unlabeled: unlabeled)
        let stepsPerEpoch = (task.inputs == .labeled ? labeled : unlabeled)!.batchCount(epoch: 0)
        epochs = TimeBudget.epochs(fitting: minutes, secondsPerStep: seconds, stepsPerEpoch: stepsPerEpoch)
        warmupEpochs = min(warmupEpochs, epochs - 1)
        print(String(format: "time budget %.1f min: %.3f s per step, %d steps per epoch -> %d epochs", minutes, seconds,
                     stepsPerEpoch, epochs))
    }
}
