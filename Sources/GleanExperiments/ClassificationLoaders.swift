import Foundation
import Glean

/// The loaders of a classification run: shuffled, augmented labeled batches, and the
/// validation and test images in order, all normalised with the training pool's statistics.
public struct ClassificationLoaders {
    /// Labeled training batches (epochs of `--steps-per-epoch` batches when set).
    public let labeled: BatchSource
    public let validation: DataLoader?
    public let test: DataLoader

    /// - Parameters:
    ///   - sampler: how labeled batches are drawn (`--sampler`).
    ///   - stepsPerEpoch: batches per epoch (0: one pass over the labeled images).
    public init(data: ExperimentData, batchSize: Int, transform: Transform?, sampler: SamplerChoice, stepsPerEpoch: Int, seed: UInt64) {
        let order: Sampler = sampler == .balanced ? WeightedRandomSampler.classBalanced(labels: data.labeled.labels, seed: seed)
            : RandomSampler(count: data.labeled.count, seed: seed)
        let pass = DataLoader(dataset: data.labeled, batchSize: batchSize, sampler: order,
                             transform: transform, mean: data.mean, std: data.std,
                             dropLast: data.labeled.count >= batchSize, seed: seed)
        labeled = stepsPerEpoch > 0 ? FixedLengthEpochs(pass, stepsPerEpoch: stepsPerEpoch) : pass
        validation = data.validation.map { Self.inOrder($0, data: data) }
        test = Self.inOrder(data.test, data: data)
    }

    /// The metric that picks the best checkpoint: validation accuracy, or none without validation.
    public var monitor: String? { validation == nil ? nil : "val_accuracy" }

    /// Every image of `dataset` in order, in batches of 500, without augmentation.
    public static func inOrder(_ dataset: ImageDataset, data: ExperimentData) -> DataLoader {
        DataLoader(dataset: dataset, batchSize: 500, sampler: SequentialSampler(count: dataset.count),
                   mean: data.mean, std: data.std, seed: 0)
    }
}
