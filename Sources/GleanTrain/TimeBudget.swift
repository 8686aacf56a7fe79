import Foundation
import GleanData
import GleanNN
import GleanTensor

/// Turns a wall-clock budget into a number of epochs, so that `--minutes` runs are as
/// reproducible as `--epochs` runs: the chosen count is decided once, before training, and
/// recorded in the run's config.
public enum TimeBudget {
    /// Seconds one training step of `task` takes on this machine: the mean over `steps` steps
    /// (after one warm-up step) of preparing the batches (augmentation, which runs beside the
    /// model on the same cores) plus the forward and backward pass. The model's weights,
    /// statistics and dropout/drop-path generators are put back afterwards, so timing changes nothing
    /// about the run.
    public static func secondsPerStep(task: TrainingTask, labeled: BatchSource?, unlabeled: BatchSource?, steps: Int = 3) -> Double {
        let model = task.model
        let saved = model.stateDict()
        let dropouts = model.namedModules().compactMap { $0.1 as? RandomizedModule }
        let generators = dropouts.map(\.generatorState)
        defer {
            try! model.loadStateDict(Dictionary(uniqueKeysWithValues: saved))
            for (dropout, generator) in zip(dropouts, generators) { dropout.generatorState = generator }
            model.zeroGrad()
        }
        let epochLoader = (task.inputs == .labeled ? labeled : unlabeled)!
        func firstBatch(_ source: BatchSource, _ index: Int) -> Batch? {
            let order = source.sampler.indices(forEpoch: 0)
            let start = index * source.batchSize
            guard start < order.count else { return nil }
            return source.makeBatch(Array(order[start ..< min(start + source.batchSize, order.count)]), epoch: 0)
        }
        var seconds: [Double] = []
        for index in 0...steps {
            let start = Date()
            guard let first = firstBatch(epochLoader, index) else { break }
            let batch = task.inputs == .labeled ? StepBatch(labeled: first)
                // The labeled stream wraps around, as the trainer's endless stream does.
                : StepBatch(labeled: task.inputs == .labeledAndUnlabeled ? labeled.flatMap { firstBatch($0, index % max($0.batchCount(epoch: 0), 1)) } : nil,
                            unlabeled: first)
            let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: index, stepsPerEpoch: 1, totalSteps: 1)
            let output = task.trainingStep(batch, context: context)
            output.loss.backward()
            model.zeroGrad()
            if index > 0 { seconds.append(Date().timeIntervalSince(start)) }
        }
        return seconds.isEmpty ? 1 : seconds.reduce(0, +) / Double(seconds.count)
    }

    /// Epochs of `stepsPerEpoch` steps that fit in `minutes`, keeping `reserve` of the time
    /// for validation, checkpoints and the optimizer's own work (at least one epoch).
    public static func epochs(fitting minutes: Double, secondsPerStep: Double, stepsPerEpoch: Int, reserve: Double = 0.1) -> Int {
        let epochSeconds = max(secondsPerStep * Double(max(stepsPerEpoch, 1)), 1e-6)
        return max(1, Int((minutes * 60 * (1 - reserve) / epochSeconds).rounded(.down)))
    }
}
