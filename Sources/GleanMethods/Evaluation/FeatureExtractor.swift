import GleanData
import GleanNN
import GleanTensor

/// Encoder outputs for a whole dataset, computed once (eval mode, no gradients) so that a
/// linear classifier or a kNN vote can be trained and measured on them without re-running the
/// encoder.
public struct FeatureSet {
    /// `[count, featureCount]`.
    public let features: Tensor
    public let labels: [Int]
    public let classCount: Int

    public init(features: Tensor, labels: [Int], classCount: Int) {
        require(features.rank == 2 && features.shape[0] == labels.count,
                "FeatureSet: features \(features.shape) need one label per row, got \(labels.count)")
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    /// Runs `encoder`'s inference form (`Module.inference(_:)`) over every batch of `loader`
    /// (in the loader's order).
    public static func extract(_ encoder: Module, from loader: BatchSource) -> FeatureSet {
        var chunks: [Tensor] = [], labels: [Int] = []
        for batch in loader.batches(epoch: 0) {
            chunks.append(encoder.inference(batch.images).flattened().contiguous())
            labels += batch.labels
        }
        let features = chunks.count == 1 ? chunks[0] : Tensor.concat(chunks, axis: 0)
        return FeatureSet(features: features, labels: labels, classCount: loader.classCount)
    }

    public var count: Int { labels.count }
    public var featureCount: Int { features.shape[1] }
}
