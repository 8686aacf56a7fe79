import Foundation
import Glean
import Testing

@Suite struct FeatureReadoutTests {
    /// A ResNet encoder's grid read-out is its last stage averaged over 2x2 regions, channel-major;
    /// on a 20x36 image the 3x5 map splits unevenly (rows 0–1 and 1–2, columns 0–2 and 2–4, as
    /// PyTorch's adaptive pooling), and the pooled read-out is the encoder's own output.
    @Test func gridAveragesTheLastStageOverFourRegions() throws {
        var generator = RandomGenerator(seed: 3)
        let encoder = try ModelZoo.makeEncoder("resnet18", inputChannels: 1, imageSize: 20, width: 4, generator: &generator)
        encoder.module.eval()
        let images = Tensor.normal([2, 1, 20, 36], generator: &generator)
        let resnet = try #require(encoder.module as? ResNet)
        let map = withoutGradients { resnet.featureMap(images) }
        #expect(map.shape == [2, encoder.featureCount, 3, 5])
        let grid = withoutGradients { FeatureReadout.grid.module(reading: encoder.module)(images) }
        #expect(grid.shape == [2, 4 * encoder.featureCount])
        let (values, gridValues) = (map.scalars, grid.scalars)
        let regions = [(0..<2, 0..<3), (0..<2, 2..<5), (1..<3, 0..<3), (1..<3, 2..<5)]
        for image in 0..<2 {
            for channel in 0..<encoder.featureCount {
                for (cell, (rows, columns)) in regions.enumerated() {
                    var sum: Float = 0
                    for row in rows { for column in columns { sum += values[((image * encoder.featureCount + channel) * 3 + row) * 5 + column] } }
                    let expected = sum / Float(rows.count * columns.count)
                    let actual = gridValues[image * 4 * encoder.featureCount + channel * 4 + cell]
                    #expect(abs(actual - expected) <= 1e-5 * max(1, abs(expected)), "image \(image) channel \(channel) cell \(cell)")
                }
            }
        }
        let pooled = FeatureReadout.pooled.module(reading: encoder.module)
        #expect(pooled === encoder.module)
        #expect(FeatureReadout.grid.describe(encoder.module, pooledWidth: encoder.featureCount).contains("2x2 grid (\(4 * encoder.featureCount) values)"))
    }

    /// On a map that splits evenly the four regions' mean is the pooled feature; SeedNet, whose
    /// encoder ends in a fully connected layer, is read as it is.
    @Test func gridAgreesWithPoolingAndLeavesFlatEncodersAlone() throws {
        var generator = RandomGenerator(seed: 4)
        let encoder = try ModelZoo.makeEncoder("resnet18", inputChannels: 3, imageSize: 32, width: 4, generator: &generator)
        encoder.module.eval()
        let images = Tensor.normal([3, 3, 32, 32], generator: &generator)
        let (grid, pooled) = withoutGradients { (FeatureReadout.grid.module(reading: encoder.module)(images).scalars, encoder.module(images).scalars) }
        for index in pooled.indices {
            let mean = grid[4 * index ..< 4 * index + 4].reduce(0, +) / 4
            #expect(abs(mean - pooled[index]) <= 1e-5 * max(1, abs(pooled[index])))
        }
        let seednet = try ModelZoo.makeEncoder("seednet", inputChannels: 1, imageSize: 28, generator: &generator)
        #expect(FeatureReadout.grid.module(reading: seednet.module) === seednet.module)
        #expect(FeatureReadout.grid.describe(seednet.module, pooledWidth: 512).contains("no spatial last stage"))
    }
}
