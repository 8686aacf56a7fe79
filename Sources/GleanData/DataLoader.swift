import Dispatch
import Foundation
import GleanTensor

/// A batch ready for the model.
public struct Batch: @unchecked Sendable {
    /// `[B, C, H, W]` images normalised per channel (or `[B, D]` rows from a `FeatureLoader`).
    public let images: Tensor
    public let labels: [Int]
    /// Positions of the examples in the dataset.
    public let indices: [Int]
    /// Extra augmented views of the same images, one tensor per view transform (SimCLR's two
    /// views, FixMatch's weak and strong), each `[B, C, H, W]`; empty unless views were asked for.
    public let views: [Tensor]

    public init(images: Tensor, labels: [Int], indices: [Int], views: [Tensor] = []) {
        require(images.rank >= 2 && images.shape[0] == labels.count,
                "Batch: inputs \(images.shape) need a batch axis with one label per example (\(labels.count))")
        self.images = images
        self.labels = labels
        self.indices = indices
        self.views = views
    }
}

/// Where a trainer draws batches from: a sampler's order cut into batches, each made
/// deterministically from its indices and epoch and prepared ahead on a background thread.
/// `DataLoader` (images) and `FeatureLoader` (cached feature rows) are the two kinds.
public protocol BatchSource: AnyObject, Sendable {
    var sampler: Sampler { get }
    var batchSize: Int { get }
    var dropLast: Bool { get }
    /// How many batches may be prepared ahead of the consumer.
    var prefetch: Int { get }
    /// Number of classes the labels come from.
    var classCount: Int { get }
    /// Builds one batch (deterministic in its arguments).
    func makeBatch(_ indices: [Int], epoch: Int) -> Batch
    /// Number of batches in `epoch` (default: one pass of the sampler's order).
    func batchCount(epoch: Int) -> Int
    /// The batches of `epoch`, produced ahead on a background thread (default: one pass of the
    /// sampler's order).
    func batches(epoch: Int) -> BatchSequence
}

extension BatchSource {
    /// Number of batches in `epoch`.
    public func batchCount(epoch: Int) -> Int {
        let count = sampler.indices(forEpoch: epoch).count
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// The batches of `epoch`, produced ahead on a background thread.
    public func batches(epoch: Int) -> BatchSequence {
        let order = sampler.indices(forEpoch: epoch)
        var groups = stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0 ..< min($0 + batchSize, order.count)]) }
        if dropLast, let last = groups.last, last.count < batchSize { groups.removeLast() }
        return BatchSequence(source: self, groups: groups.map { ($0, epoch) })
    }

    /// Batches of the given index groups, each augmented as in the paired epoch, produced
    /// ahead on a background thread (how `EndlessBatchStream` draws across epochs).
    public func batches(_ groups: [(indices: [Int], epoch: Int)]) -> BatchSequence {
        BatchSequence(source: self, groups: groups)
    }
}

/// Turns a dataset into batches of tensors, augmenting each image with its own seeded
/// generator and preparing the next batches on one background thread while the model computes.
/// Batch contents depend only on (seed, epoch, batch position), never on thread timing.
public final class DataLoader: BatchSource, @unchecked Sendable {
    public let dataset: ImageDataset
    public let batchSize: Int
    public let sampler: Sampler
    public let transform: Transform?
    /// Transforms producing `Batch.views`, each with its own random stream.
    public let viewTransforms: [Transform]
    public let mean: [Float], std: [Float]
    public let dropLast: Bool
    public let seed: UInt64
    /// How many batches may be prepared ahead of the consumer.
    public let prefetch: Int

    public init(dataset: ImageDataset, batchSize: Int, sampler: Sampler, transform: Transform? = nil,
                views viewTransforms: [Transform] = [], mean: [Float], std: [Float], dropLast: Bool = false,
                seed: UInt64, prefetch: Int = 2) {
        require(batchSize > 0 && prefetch > 0, "DataLoader: batch size \(batchSize) and prefetch \(prefetch) must be positive")
        require(mean.count == dataset.channels && std.count == dataset.channels && std.allSatisfy { $0 > 0 },
                     "DataLoader: mean/std need \(dataset.channels) values with std > 0")
        self.dataset = dataset
        self.batchSize = batchSize
        self.sampler = sampler
        self.transform = transform
        self.viewTransforms = viewTransforms
        self.mean = mean
        self.std = std
        self.dropLast = dropLast
        self.seed = seed
        self.prefetch = prefetch
    }

    public var classCount: Int { dataset.classCount }

    /// Builds one batch (deterministic in its arguments).
    public func makeBatch(_ indices: [Int], epoch: Int) -> Batch {
        let images = tensor(indices, epoch: epoch, transform: transform, stream: "augment")
        let views = viewTransforms.enumerated().map { view, transform in
            tensor(indices, epoch: epoch, transform: transform, stream: "view\(view)")
        }
        return Batch(images: images, labels: indices.map { dataset.labels[$0] }, indices: indices, views: views)
    }

    /// Transformed, normalised images as `[B, C, H, W]`; every example's randomness comes from
    /// its own generator derived from (seed, epoch, stream, index).
    private func tensor(_ indices: [Int], epoch: Int, transform: Transform?, stream: String) -> Tensor {
        let images = indices.map { index -> ImageBuffer in
            let image = dataset.image(at: index)
            guard let transform else { return image }
            var generator = RandomGenerator(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15), stream: "\(stream)/\(index)")
            return transform.apply(image, generator: &generator)
        }
        let first = images.first ?? ImageBuffer(channels: dataset.channels, height: dataset.height, width: dataset.width)
        let (channels, height, width) = (first.channels, first.height, first.width)
        require(channels == mean.count, "DataLoader: transforms produced \(channels) channels, mean/std have \(mean.count)")
        let plane = height * width
        return Tensor(shape: [indices.count, channels, height, width]) { buffer in
            for (row, image) in images.enumerated() {
                require(image.channels == channels && image.height == height && image.width == width,
                             "DataLoader: transform produced \(image.channels)x\(image.height)x\(image.width), expected \(channels)x\(height)x\(width)")
                for channel in 0..<channels {
                    let scale = 1 / std[channel], offset = mean[channel] / std[channel]
                    let base = (row * channels + channel) * plane
                    for p in 0..<plane { buffer[base + p] = image.values[channel * plane + p] * scale - offset }
                }
            }
        }
    }
}

/// One epoch's batches; iterating starts the background producer.
public struct BatchSequence: Sequence {
    let source: BatchSource
    /// Each batch's indices and the epoch its augmentation is seeded with.
    let groups: [(indices: [Int], epoch: Int)]

    public var count: Int { groups.count }

    public func makeIterator() -> BatchIterator { BatchIterator(source: source, groups: groups) }
}

/// Hands out batches in order while a background thread prepares up to `prefetch` more.
public final class BatchIterator: IteratorProtocol {
    /// State shared with the producer thread, guarded by `condition`.
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var ready: [Int: Batch] = [:]
        var consumed = 0
        var cancelled = false
    }

    private let count: Int
    private var position = 0
    private let shared = Shared()

    init(source: BatchSource, groups: [(indices: [Int], epoch: Int)]) {
        count = groups.count
        let shared = self.shared, prefetch = source.prefetch
        let thread = Thread {
            for (number, (indices, epoch)) in groups.enumerated() {
                shared.condition.lock()
                while number - shared.consumed >= prefetch && !shared.cancelled { shared.condition.wait() }
                let stop = shared.cancelled
                shared.condition.unlock()
                if stop { return }
                let batch = source.makeBatch(indices, epoch: epoch)
                shared.condition.lock()
                shared.ready[number] = batch
                shared.condition.broadcast()
                shared.condition.unlock()
            }
        }
        thread.name = "glean.loader"
        thread.start()
    }

    public func next() -> Batch? {
        guard position < count else { return nil }
        shared.condition.lock()
        while shared.ready[position] == nil { shared.condition.wait() }
        let batch = shared.ready.removeValue(forKey: position)!
        position += 1
        shared.consumed = position
        shared.condition.broadcast()
        shared.condition.unlock()
        return batch
    }

    deinit {
        shared.condition.lock()
        shared.cancelled = true
        shared.condition.broadcast()
        shared.condition.unlock()
    }
}

extension BatchSequence {
    /// This process's part of every batch when `size` processes train on one global batch
    /// (data parallelism): the batch's indices cut into `size` contiguous parts, part `rank`
    /// kept, as PyTorch's DistributedSampler splits an epoch. Every example keeps the
    /// augmentation it has in a single process (seeded by its index), so the processes together
    /// see exactly one process's batches.
    public func shard(rank: Int, of size: Int) -> BatchSequence {
        require(size >= 1 && (0..<size).contains(rank), "BatchSequence.shard: rank \(rank) of \(size)")
        guard size > 1 else { return self }
        return BatchSequence(source: source, groups: groups.map { group in
            let (start, end) = Self.part(rank: rank, of: size, count: group.indices.count)
            return (Array(group.indices[start ..< end]), group.epoch)
        })
    }

    /// `shard` without the parts that come out empty (batches smaller than `size`), with the
    /// position in the whole sequence (0-based) of each kept part's first image: how a held-out
    /// set is split over processes that each evaluate their part.
    public func shardedParts(rank: Int, of size: Int) -> (batches: BatchSequence, firstPositions: [Int]) {
        require(size >= 1 && (0..<size).contains(rank), "BatchSequence.shardedParts: rank \(rank) of \(size)")
        var kept: [(indices: [Int], epoch: Int)] = [], positions: [Int] = []
        var before = 0
        for group in groups {
            let (start, end) = Self.part(rank: rank, of: size, count: group.indices.count)
            if end > start {
                kept.append((Array(group.indices[start ..< end]), group.epoch))
                positions.append(before + start)
            }
            before += group.indices.count
        }
        return (BatchSequence(source: source, groups: kept), positions)
    }

    /// The bounds of part `rank` of `count` items cut into `size` contiguous parts (the first
    /// `count % size` parts one longer).
    public static func part(rank: Int, of size: Int, count: Int) -> (start: Int, end: Int) {
        let base = count / size, extra = count % size
        let start = rank * base + Swift.min(rank, extra)
        return (start, start + base + (rank < extra ? 1 : 0))
    }
}
