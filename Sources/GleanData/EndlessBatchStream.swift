import GleanTensor

/// A loader's batches without end, for the second data stream of a step (the labeled batches
/// of FixMatch or pseudo-labeling while epochs run over the unlabeled images). Epoch after
/// epoch of its sampler, with incomplete batches carried over; batch number k is augmented as
/// epoch k, so its contents depend only on the loader's seed and k. `position` (batches handed
/// out) is all a resumed run needs to continue the stream exactly.
public final class EndlessBatchStream {
    public let loader: BatchSource
    /// Batches handed out so far.
    public private(set) var position = 0
    private var indexBatches: EndlessBatches

    /// A stream that continues after `position` batches.
    public init(loader: BatchSource, position: Int = 0) {
        require(position >= 0, "EndlessBatchStream: position \(position) must be >= 0")
        self.loader = loader
        indexBatches = EndlessBatches(sampler: loader.sampler, batchSize: loader.batchSize)
        for _ in 0..<position { _ = indexBatches.next() }
        self.position = position
    }

    /// The next `count` batches, prepared ahead on the loader's background thread.
    public func next(_ count: Int) -> BatchSequence {
        let groups = (0..<count).map { offset in (indices: indexBatches.next()!, epoch: position + offset) }
        position += count
        return loader.batches(groups)
    }
}
