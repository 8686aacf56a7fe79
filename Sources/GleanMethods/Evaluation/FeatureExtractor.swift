import GleanData
import GleanNN
import GleanTensor
import GleanTrain

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
    /// (in the loader's order). In data-parallel training each process encodes its part of every
    /// batch and the rows are exchanged, so every process gets the whole set, as one process would.
    public static func extract(_ encoder: Module, from loader: BatchSource) -> FeatureSet {
        let group = DataParallel.group
        let (batches, firstPositions) = loader.batches(epoch: 0).shardedParts(rank: group.rank, of: group.size)
        var chunks: [Tensor] = [], labels: [Int] = [], positions: [Int] = []
        for (batch, first) in zip(batches, firstPositions) {
            chunks.append(encoder.inference(batch.images).flattened().contiguous())
            labels += batch.labels
            positions += first ..< first + batch.labels.count
        }
        guard group.size > 1 else {
            return FeatureSet(features: chunks.count == 1 ? chunks[0] : Tensor.concat(chunks, axis: 0), labels: labels,
                              classCount: loader.classCount)
        }
        let local = chunks.isEmpty ? nil : chunks.count == 1 ? chunks[0] : Tensor.concat(chunks, axis: 0)
        // Each row travels with its label in one extra column.
        let width = (local?.shape[1] ?? -1) + 1
        var localRows = [Float]()
        if let local {
            let values = local.scalars, featureCount = width - 1
            localRows.reserveCapacity(labels.count * width)
            for row in 0..<labels.count {
                localRows += values[row * featureCount ..< (row + 1) * featureCount]
                localRows.append(Float(labels[row]))
            }
        }
        var count = [Double(positions.count)]
        group.allReduceSum(&count)
        let (whole, wholeWidth) = group.placeRows(localRows, positions: positions, total: Int(count[0]), width: local == nil ? 0 : width)
        let rows = Int(count[0]), featureCount = wholeWidth - 1
        var features = [Float](), allLabels = [Int]()
        features.reserveCapacity(rows * featureCount)
        for row in 0..<rows {
            features += whole[row * wholeWidth ..< row * wholeWidth + featureCount]
            allLabels.append(Int(whole[row * wholeWidth + featureCount]))
        }
        return FeatureSet(features: Tensor(features, shape: [rows, featureCount]), labels: allLabels, classCount: loader.classCount)
    }

    public var count: Int { labels.count }
    public var featureCount: Int { features.shape[1] }
}
