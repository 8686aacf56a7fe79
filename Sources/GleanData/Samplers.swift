import GleanTensor

/// Decides which examples an epoch visits and in what order. The order depends only on the
/// sampler's seed and the epoch number, so a resumed run sees the same batches.
public protocol Sampler: Sendable {
    /// Indices to visit in epoch `epoch` (0-based).
    func indices(forEpoch epoch: Int) -> [Int]
}

/// Every index in order.
public struct SequentialSampler: Sampler {
    public let count: Int
    public init(count: Int) { self.count = count }
    public func indices(forEpoch epoch: Int) -> [Int] { Array(0..<count) }
}

/// Every index once per epoch, in a seeded random order.
public struct RandomSampler: Sampler {
    public let count: Int, seed: UInt64
    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var generator = RandomGenerator(seed: seed, stream: "shuffle/\(epoch)")
        return Array(0..<count).shuffled(using: &generator)
    }
}

/// Draws `samplesPerEpoch` indices with replacement, index i with probability proportional
/// to `weights[i]` (PyTorch's WeightedRandomSampler).
public struct WeightedRandomSampler: Sampler {
    public let samplesPerEpoch: Int, seed: UInt64
    private let cumulative: [Double]

    public init(weights: [Double], samplesPerEpoch: Int, seed: UInt64) {
        require(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.contains { $0 > 0 },
                     "WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        var running = 0.0
        cumulative = weights.map { running += $0; return running }
        self.samplesPerEpoch = samplesPerEpoch
        self.seed = seed
    }

    /// Weights 1 / (count of the example's class), so every class is drawn equally often.
    public static func classBalanced(labels: [Int], samplesPerEpoch: Int? = nil, seed: UInt64) -> WeightedRandomSampler {
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return WeightedRandomSampler(weights: labels.map { 1 / Double(counts[$0]!) },
                                     samplesPerEpoch: samplesPerEpoch ?? labels.count, seed: seed)
    }

    /// Draws the fraction `firstShare` of each epoch from the first `firstCount` examples (the
    /// labeled images ahead of a self-training student's pseudo-labeled ones) and the rest from
    /// the others; within each part uniformly, or class-balanced by `labels` when `classBalanced`.
    public static func twoParts(labels: [Int], firstCount: Int, firstShare: Double, classBalanced: Bool,
                                samplesPerEpoch: Int, seed: UInt64) -> WeightedRandomSampler {
        require(firstCount > 0 && firstCount < labels.count, "WeightedRandomSampler.twoParts: first part of \(firstCount) of \(labels.count) examples leaves a part empty")
        require(firstShare > 0 && firstShare < 1, "WeightedRandomSampler.twoParts: share \(firstShare) must be in (0, 1)")
        let parts = [0..<firstCount, firstCount..<labels.count]
        var weights = [Double](repeating: 0, count: labels.count)
        for (part, share) in zip(parts, [firstShare, 1 - firstShare]) {
            var counts: [Int: Int] = [:]
            for index in part { counts[labels[index], default: 0] += 1 }
            for index in part {
                weights[index] = classBalanced ? share / Double(counts.count * counts[labels[index]]!) : share / Double(part.count)
            }
        }
        return WeightedRandomSampler(weights: weights, samplesPerEpoch: samplesPerEpoch, seed: seed)
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var generator = RandomGenerator(seed: seed, stream: "weighted/\(epoch)")
        let total = cumulative.last!
        return (0..<samplesPerEpoch).map { _ in
            let target = Double(generator.next() >> 11) / Double(1 << 53) * total
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }
}

/// Batches of indices forever, epoch after epoch, for step-based training (e.g. FixMatch's
/// unlabeled stream). Incomplete final batches of an epoch carry over into the next.
public struct EndlessBatches: IteratorProtocol, Sendable {
    public let sampler: Sampler, batchSize: Int
    public private(set) var epoch = 0
    private var pending: [Int] = []

    public init(sampler: Sampler, batchSize: Int) {
        require(batchSize > 0, "EndlessBatches: batch size \(batchSize) must be positive")
        self.sampler = sampler
        self.batchSize = batchSize
    }

    public mutating func next() -> [Int]? {
        while pending.count < batchSize {
            let more = sampler.indices(forEpoch: epoch)
            require(!more.isEmpty, "EndlessBatches: the sampler yields no indices")
            pending += more
            epoch += 1
        }
        defer { pending.removeFirst(batchSize) }
        return Array(pending.prefix(batchSize))
    }
}
