import Foundation
import GleanData
import GleanNN
import GleanTensor

/// Turns a wall-clock budget into a number of epochs, so that `--minutes` runs are as
/// reproducible as `--epochs` runs: the count is planned before training from timed steps,
/// corrected during the run's first epochs from their measured time (`TimeBudgetReplan`), and
/// recorded in the run's config.
public enum TimeBudget {
    /// Seconds one training step of `task` takes on this machine: the median over `steps` steps
    /// (after `warmUpSteps`, which fill the allocator cache and create the kernels; a median of
    /// 5 once read 0.33 s for steps that then ran at 0.23 s on a shared VM, hence 10) of the
    /// forward and backward pass with the batches prepared on the loaders' background threads
    /// as in training (augmentation shares the cores). The model's weights, statistics and
    /// dropout/drop-path generators are put back afterwards, so timing changes nothing about
    /// the run.
    public static func secondsPerStep(task: TrainingTask, labeled: BatchSource?, unlabeled: BatchSource?, steps: Int = 10,
                                      warmUpSteps: Int = 3) -> Double {
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
        // The first batches of the sampler's first order, wrapping around (a short labeled
        // stream, or epochs cut from an endless stream, may have fewer batches than the steps
        // timed), prepared on the loaders' background threads as in training.
        func firstBatches(_ source: BatchSource) -> BatchIterator? {
            let order = source.sampler.indices(forEpoch: 0)
            guard !order.isEmpty else { return nil }
            let groups = (0..<(warmUpSteps + steps)).map { index -> (indices: [Int], epoch: Int) in
                let start = (index * source.batchSize) % order.count
                return (Array(order[start ..< min(start + source.batchSize, order.count)]), 0)
            }
            // Each process times its own part of the global batch, as it will train.
            return source.batches(groups).shard(rank: DataParallel.group.rank, of: DataParallel.group.size).makeIterator()
        }
        let epochBatches = firstBatches(epochLoader)
        let labeledBatches = task.inputs == .labeledAndUnlabeled ? labeled.flatMap(firstBatches) : nil
        var seconds: [Double] = []
        for index in 0..<(warmUpSteps + steps) {
            let start = Date()
            guard let first = epochBatches?.next() else { break }
            let stepBatch = task.inputs == .labeled ? StepBatch(labeled: first) : StepBatch(labeled: labeledBatches?.next(), unlabeled: first)
            let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: index, stepsPerEpoch: 1, totalSteps: 1)
            let output = task.trainingStep(stepBatch, context: context)
            output.loss.backward()
            model.zeroGrad()
            if index >= warmUpSteps { seconds.append(Date().timeIntervalSince(start)) }
        }
        return seconds.isEmpty ? 1 : seconds.sorted()[seconds.count / 2]
    }

    /// The most epochs a budget may choose (as `--epochs` allows).
    public static let maximumEpochs = 100_000

    /// The share of a budget kept back for what happens before and after the epochs (reading
    /// the data, timing steps, the final evaluation and report).
    public static let reserve = 0.1

    /// Epochs of `epochSeconds` each that fit in `minutes`, keeping `reserve` of the time back
    /// (1...`maximumEpochs`).
    public static func epochs(fitting minutes: Double, epochSeconds: Double) -> Int {
        Int(min(max(1, (minutes * 60 * (1 - reserve) / max(epochSeconds, 1e-6)).rounded(.down)), Double(maximumEpochs)))
    }

    /// The share of a budget kept back once epochs have been timed (`TimeBudgetReplan`): only
    /// the final evaluation and report remain to be paid for.
    public static let finalReserve = 0.03

    /// Epochs in all when `done` epochs of `epochSeconds` each have been trained and `spent`
    /// seconds of the budget have gone (reading the data and timing steps included): those done
    /// and as many more as fit in `minutes` less `finalReserve` (`done`...`maximumEpochs`).
    public static func epochs(done: Int, spent: Double, fitting minutes: Double, epochSeconds: Double) -> Int {
        let more = ((minutes * 60 * (1 - finalReserve) - spent) / max(epochSeconds, 1e-6)).rounded(.down)
        return max(done, Int(min(Double(done) + max(0, more), Double(maximumEpochs))))
    }
}
