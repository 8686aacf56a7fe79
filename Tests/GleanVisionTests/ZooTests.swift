import Glean
import Testing

@Suite struct ZooTests {
    @Test func alexNetMiniMatchesTheKerasSummary() {
        var generator = RandomGenerator(seed: 0)
        let model = AlexNetMini(generator: &generator)
        let summary = ModelSummary(model, inputShape: [1, 3, 280, 280])
        #expect(summary.totalParameters == 7_742_721)
        #expect(summary.rows.first { $0.type == "Conv2d" }?.outputShape == [1, 96, 92, 92])
        #expect(summary.rows.last?.outputShape == [1, 1])
        #expect(summary.render().contains("Total params: 7,742,721"))
    }

    @Test func inceptionModuleWidthsAndGoogLeNetShape() {
        var generator = RandomGenerator(seed: 0)
        let block = Inception(192, 64, 96, 128, 16, 32, 32, generator: &generator)
        #expect(block.parameterCount() == 163_696)
        #expect(block.outputChannels == 256)
        let output = block(.zeros([1, 192, 7, 7]))
        #expect(output.shape == [1, 256, 7, 7])
        let network = GoogLeNet(classCount: 5, generator: &generator)
        network.eval()
        #expect(network(.zeros([1, 3, 64, 64])).shape == [1, 5])
    }

    /// SeedNet takes CIFAR's 3x32x32 (dense input 192·7·7) as well as Fashion-MNIST's 1x28x28.
    @Test func seedNetFitsOtherSquareSizes() throws {
        var generator = RandomGenerator(seed: 0)
        let cifar = try ModelZoo.make("seednet", classCount: 10, inputChannels: 3, imageSize: 32, generator: &generator)
        #expect(withoutGradients { cifar(.zeros([2, 3, 32, 32])) }.shape == [2, 10])
        #expect(ModelSummary(cifar, inputShape: [1, 3, 32, 32]).rows.contains { $0.type == "Linear" && $0.parameters == 192 * 49 * 1024 + 1024 })
        let small = try ModelZoo.make("seednet", classCount: 4, inputChannels: 1, imageSize: 6, generator: &generator)
        #expect(withoutGradients { small(.zeros([1, 1, 6, 6])) }.shape == [1, 4])
    }

    @Test func mlpAndHeads() {
        var generator = RandomGenerator(seed: 0)
        let regressor = MLP.make(13, hidden: [50], outputs: 1, dropout: 0.2, generator: &generator)
        #expect(regressor.parameterCount() == 13 * 50 + 50 + 50 + 1)
        let head = MLP.classifierHead(2048, hidden: 256, classes: 10, logSoftmax: true, generator: &generator)
        head.eval()
        let logProbabilities = head(.ones([2, 2048]))
        #expect(logProbabilities.exp().sum(axis: 1).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    @Test func zooRejectsUnknownNamesAndBadSizes() {
        var generator = RandomGenerator(seed: 0)
        #expect(throws: ModelZoo.ModelError.unknownModel("vgg")) {
            try ModelZoo.make("vgg", classCount: 10, inputChannels: 3, imageSize: 32, generator: &generator)
        }
        #expect { try ModelZoo.make("seednet", classCount: 10, inputChannels: 1, imageSize: 96, generator: &generator) }
            throws: { "\($0)".contains("6-64 pixels") }
        #expect { try ModelZoo.make("resnet18", classCount: 10, inputChannels: 1, imageSize: 100_000, generator: &generator) }
            throws: { "\($0)".contains("100000 px") }
        #expect((try? ModelZoo.make("resnet50", classCount: 7, inputChannels: 3, imageSize: 32, generator: &generator)) != nil)
    }
}
