import GleanData
import GleanTensor

/// Batches of cached feature rows (`[B, featureCount]`) with their labels, for training and
/// validating a classifier on a frozen encoder's features without re-running the encoder.
public final class FeatureLoader: BatchSource, @unchecked Sendable {
    public let features: FeatureSet
    public let sampler: Sampler
    public let batchSize: Int
    public let dropLast: Bool
    public let prefetch = 2
    private let rows: [Float]

    public init(_ features: FeatureSet, batchSize: Int, sampler: Sampler, dropLast: Bool = false) {
        require(batchSize > 0, "FeatureLoader: batch size \(batchSize) must be positive")
        self.features = features
        self.batchSize = batchSize
        self.sampler = sampler
        self.dropLast = dropLast
        rows = features.features.scalars
    }

    public var classCount: Int { features.classCount }

    public func makeBatch(_ indices: [Int], epoch: Int) -> Batch {
        let width = features.featureCount
        let inputs = Tensor(shape: [indices.count, width]) { buffer in
            for (row, index) in indices.enumerated() {
                for column in 0..<width { buffer[row * width + column] = rows[index * width + column] }
            }
        }
        return Batch(images: inputs, labels: indices.map { features.labels[$0] }, indices: indices)
    }
}
