import Foundation
import Glean
import Testing

@Suite struct DataLoaderTests {
    /// 50 random 1x8x8 images with labels 0–4.
    let dataset: ImageDataset = {
        var generator = RandomGenerator(seed: 1)
        let pixels = (0..<(50 * 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        return ImageDataset(pixels: pixels, labels: (0..<50).map { $0 % 5 }, channels: 1, height: 8, width: 8, classCount: 5)
    }()

    func loader(prefetch: Int, seed: UInt64 = 7) -> DataLoader {
        DataLoader(dataset: dataset, batchSize: 16, sampler: RandomSampler(count: 50, seed: seed),
                   transform: Compose([RandomCrop(size: 8, padding: 2, mode: .reflect), RandomHorizontalFlip()]),
                   mean: [0.5], std: [0.25], seed: seed, prefetch: prefetch)
    }

    @Test func sameSeedSameBatchesWhateverThePrefetch() {
        let a = Array(loader(prefetch: 1).batches(epoch: 3)), b = Array(loader(prefetch: 4).batches(epoch: 3))
        #expect(a.count == 4 && a.map(\.labels.count) == [16, 16, 16, 2])
        for (x, y) in zip(a, b) {
            #expect(x.indices == y.indices)
            #expect(x.images.scalars == y.images.scalars)
        }
        let otherEpoch = Array(loader(prefetch: 2).batches(epoch: 4))
        #expect(otherEpoch[0].images.scalars != a[0].images.scalars)
    }

    @Test func dropLastAndNormalisation() {
        let plain = DataLoader(dataset: dataset, batchSize: 16, sampler: SequentialSampler(count: 50),
                               mean: [0.5], std: [0.25], dropLast: true, seed: 0)
        let batches = Array(plain.batches(epoch: 0))
        #expect(batches.count == 3 && plain.batchCount(epoch: 0) == 3)
        let expected = (Float(dataset.pixels[0]) / 255 - 0.5) / 0.25
        #expect(abs(batches[0].images.scalars[0] - expected) < 1e-6)
    }

    @Test func abandoningAnEpochStopsTheProducer() {
        let iterator = loader(prefetch: 2).batches(epoch: 0).makeIterator()
        _ = iterator.next()
        // Dropping the iterator here must not hang or crash.
    }

    @Test func flipAndCropMoveThePixels() {
        let image = ImageBuffer(channels: 1, height: 2, width: 3, values: [1, 2, 3, 4, 5, 6])
        var generator = RandomGenerator(seed: 0)
        #expect(RandomHorizontalFlip(probability: 1).apply(image, generator: &generator).values == [3, 2, 1, 6, 5, 4])
        #expect(RandomHorizontalFlip(probability: 0).apply(image, generator: &generator) == image)
        var seen = Set<[Float]>()
        for _ in 0..<200 { seen.insert(RandomCrop(size: 2, padding: 1).apply(image, generator: &generator).values) }
        #expect(seen.contains([0, 0, 0, 1]) && seen.contains([5, 6, 0, 0]))
        let reflected = RandomCrop(size: 4, padding: 1, mode: .reflect)
        for _ in 0..<50 { #expect(!reflected.apply(image, generator: &generator).values.contains(0)) }
    }
}
