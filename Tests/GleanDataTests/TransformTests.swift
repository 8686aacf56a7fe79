import Foundation
import Glean
@testable import GleanData
import Testing

@Suite struct TransformTests {
    /// A 3x6x6 RGB image with distinct values in [0, 1].
    let image: ImageBuffer = {
        ImageBuffer(channels: 3, height: 6, width: 6, values: (0..<108).map { Float(($0 * 37) % 101) / 100 })
    }()

    @Test func randomResizedCropGivesTheSizeAndIsSeeded() {
        let crop = RandomResizedCrop(size: 4)
        var a = RandomGenerator(seed: 3), b = RandomGenerator(seed: 3)
        let first = crop.apply(image, generator: &a)
        #expect(first.height == 4 && first.width == 4 && first.channels == 3)
        #expect(first == crop.apply(image, generator: &b))
        // A full-area, square-ratio crop of a square image is a plain resize.
        var generator = RandomGenerator(seed: 1)
        #expect(RandomResizedCrop(size: 6, scale: 1...1, ratio: 1...1).apply(image, generator: &generator) == image)
    }

    @Test func rotationByAQuarterTurnMovesPixelsExactly() {
        let square = ImageBuffer(channels: 1, height: 3, width: 3, values: [1, 2, 3, 4, 5, 6, 7, 8, 9].map { Float($0) / 10 })
        var generator = RandomGenerator(seed: 0)
        let rotated = RandomAffine.rotation(degrees: 90...90).apply(square, generator: &generator)
        // Counter-clockwise: the top row becomes the left column read upwards.
        let expected: [Float] = [3, 6, 9, 2, 5, 8, 1, 4, 7].map { Float($0) / 10 }
        #expect(zip(rotated.values, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func photometricOperations() {
        let red = ImageBuffer(channels: 3, height: 1, width: 1, values: [1, 0, 0])
        let green = Photometric.hueShift(red, by: 1.0 / 3)
        #expect(zip(green.values, [0, 1, 0]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(Photometric.hueShift(image, by: 0).values.enumerated().allSatisfy { abs($1 - image.values[$0]) < 1e-5 })
        #expect(Photometric.brightness(image, factor: 0.5).values == image.values.map { $0 * 0.5 })
        #expect(Photometric.saturation(red, factor: 0).values.allSatisfy { abs($0 - 0.299) < 1e-6 })
        let gray = ImageBuffer(channels: 1, height: 1, width: 4, values: [0.2, 0.4, 0.6, 0.9])
        #expect(Photometric.solarize(gray, threshold: 0.5).values == [0.2, 0.4, 1 - 0.6, 1 - 0.9])
        #expect(Photometric.posterize(ImageBuffer(channels: 1, height: 1, width: 1, values: [200.0 / 255]), bits: 2).values == [192.0 / 255])
        let stretched = Photometric.autocontrast(gray).values
        #expect(stretched.first == 0 && stretched.last == 1)
        // PIL's equalize on two equally common levels maps them to 0 and 255.
        let twoLevels = ImageBuffer(channels: 1, height: 2, width: 256,
                                    values: [Float](repeating: 10 / 255, count: 256) + [Float](repeating: 20 / 255, count: 256))
        let equalized = Photometric.equalize(twoLevels).values
        #expect(equalized.first == 0 && equalized.last == 1)
        let flat = ImageBuffer(channels: 1, height: 5, width: 5, values: [Float](repeating: 0.3, count: 25))
        var generator = RandomGenerator(seed: 2)
        #expect(GaussianBlur(kernelSize: 3).apply(flat, generator: &generator).values.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    @Test func everyAugmentationKeepsShapeAndRange() {
        var generator = RandomGenerator(seed: 5)
        let transforms: [Transform] = [
            ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), RandomGrayscale(probability: 1),
            GaussianBlur(kernelSize: 3), RandomErasing(probability: 1), RandomVerticalFlip(probability: 1),
            RandomAffine(degrees: -20...20, translate: (0.1, 0.1)), RandAugment(count: 3, magnitude: 15), CenterCrop(size: 6),
        ]
        for transform in transforms {
            for _ in 0..<20 {
                let out = transform.apply(image, generator: &generator)
                #expect(out.channels == 3 && out.height == 6 && out.width == 6, "\(type(of: transform))")
                #expect(out.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(type(of: transform))")
            }
        }
        for operation in RandAugment.Operation.allCases {
            let out = RandAugment.apply(operation, to: image, level: 1, sign: -1)
            #expect(out.values.count == image.values.count && out.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(operation)")
        }
    }

    @Test func mixingProducesMatchingSoftTargets() {
        var generator = RandomGenerator(seed: 9)
        let images = Tensor.uniform([8, 1, 10, 10], generator: &generator)
        let batch = Batch(images: images, labels: [0, 1, 2, 3, 0, 1, 2, 3], indices: Array(0..<8), views: [])
        let mixed = BatchMixing.mixUp(batch, classCount: 4, generator: &generator)
        let rows = mixed.targets.sum(axis: 1).scalars
        #expect(rows.allSatisfy { abs($0 - 1) < 1e-5 })
        let cut = BatchMixing.cutMix(batch, classCount: 4, generator: &generator)
        #expect(cut.targets.sum(axis: 1).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
        // Beta(0.5, 0.5) has mean 0.5 and standard deviation 0.354: over 4,000 draws the mean's
        // standard error is 0.0056, so ±0.025 is a 4.5σ bound.
        var total: Float = 0
        for _ in 0..<4000 { total += BatchMixing.beta(0.5, &generator) }
        #expect(abs(total / 4000 - 0.5) < 0.025)
    }

    /// Soft targets mix exactly as the images do: image i is constant i + 1 and its target has
    /// i + 1 in its first column, so each mixed image's mean equals its mixed target's first
    /// column, for MixUp and for CutMix (whose λ is the area kept).
    @Test func softTargetsMixInProportionToThePixels() {
        var generator = RandomGenerator(seed: 4)
        let count = 6
        let images = Tensor((0..<count).flatMap { index in [Float](repeating: Float(index + 1), count: 64) }, shape: [count, 1, 8, 8])
        let targets = Tensor((0..<count).flatMap { [Float($0 + 1), 0] }, shape: [count, 2])
        for kind in [BatchMixing.Kind.mixUp(alpha: 1), .cutMix(alpha: 1)] {
            for _ in 0..<5 {
                let mixed = BatchMixing.mix(kind, images: images, targets: targets, generator: &generator)
                let means = mixed.images.mean(axes: [1, 2, 3]).scalars, mixedTargets = mixed.targets.scalars
                for row in 0..<count {
                    #expect(abs(means[row] - mixedTargets[2 * row]) < 1e-4, "\(kind) row \(row)")
                    #expect(mixedTargets[2 * row + 1] == 0, "\(kind): a zero column stays zero")
                }
            }
        }
    }

    @Test func loaderViewsAreIndependentAndSeeded() {
        var generator = RandomGenerator(seed: 1)
        let pixels = (0..<(10 * 3 * 8 * 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let data = ImageDataset(pixels: pixels, labels: Array(repeating: 0, count: 10), channels: 3, height: 8, width: 8, classCount: 1)
        func loader() -> DataLoader {
            let view = Compose([RandomResizedCrop(size: 6), RandomHorizontalFlip(), ColorJitter(brightness: 0.4)])
            return DataLoader(dataset: data, batchSize: 5, sampler: SequentialSampler(count: 10), views: [view, view],
                              mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], seed: 4)
        }
        let a = Array(loader().batches(epoch: 0)), b = Array(loader().batches(epoch: 0))
        #expect(a[0].views.count == 2 && a[0].views[0].shape == [5, 3, 6, 6])
        #expect(a[0].views[0].scalars != a[0].views[1].scalars)
        #expect(a[1].views[1].scalars == b[1].views[1].scalars)
    }
}
