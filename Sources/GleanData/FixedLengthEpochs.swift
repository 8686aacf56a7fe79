import GleanTensor

/// A loader whose epochs are a fixed number of batches cut from its endless stream (passes
/// over the data continue across epoch boundaries), as USB counts training in iterations:
/// with 100 labeled images an "epoch" can still be 500 steps, and with 60,000 unlabeled
/// images a short time budget can still see several validations. Batch k of the stream is
/// augmented as `EndlessBatchStream`'s batch k, so epoch e depends only on the seed and e.
public final class FixedLengthEpochs: BatchSource, @unchecked Sendable {
    public let base: BatchSource
    public let stepsPerEpoch: Int

    public init(_ base: BatchSource, stepsPerEpoch: Int) {
        require(stepsPerEpoch > 0, "FixedLengthEpochs: steps per epoch \(stepsPerEpoch) must be positive")
        self.base = base
        self.stepsPerEpoch = stepsPerEpoch
    }

    public var sampler: Sampler { base.sampler }
    public var batchSize: Int { base.batchSize }
    public var dropLast: Bool { base.dropLast }
    public var prefetch: Int { base.prefetch }
    public var classCount: Int { base.classCount }
    public func makeBatch(_ indices: [Int], epoch: Int) -> Batch { base.makeBatch(indices, epoch: epoch) }

    public func batchCount(epoch: Int) -> Int { stepsPerEpoch }

    public func batches(epoch: Int) -> BatchSequence {
        EndlessBatchStream(loader: base, position: epoch * stepsPerEpoch).next(stepsPerEpoch)
    }
}
