import Foundation
import Glean
import Testing

@Suite struct ModelTests {
    @Test func resnetParameterCountsMatchTorchvision() {
        var generator = RandomGenerator(seed: 0)
        #expect(ResNet(.resnet18, generator: &generator).parameterCount() == 11_689_512)
        #expect(ResNet(.resnet34, generator: &generator).parameterCount() == 21_797_672)
        #expect(ResNet(.resnet50, generator: &generator).parameterCount() == 25_557_032)
    }

    @Test func resnetNamesFollowTorchvision() {
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(.resnet18, classCount: 10, inputChannels: 1, cifarStem: true, generator: &generator)
        let names = model.namedParameters().map(\.0)
        #expect(names.first == "conv1.weight")
        #expect(names.contains("layer1.0.conv1.weight"))
        #expect(names.contains("layer2.0.downsample.0.weight"))
        #expect(names.contains("layer2.0.downsample.1.bias"))
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        #expect(names.count == 62)
        let buffers = model.namedBuffers().map(\.0)
        #expect(buffers.first == "bn1.running_mean")
        #expect(buffers.contains("layer4.1.bn2.running_var"))
    }

    @Test func seedNetShapesAndCount() {
        var generator = RandomGenerator(seed: 0)
        let model = SeedNet(generator: &generator)
        // 640 + 110,784 + 7,078,912 + 524,800 + 5,130
        #expect(model.parameterCount() == 7_720_266)
        model.eval()
        let logits = withoutGradients { model(.zeros([3, 1, 28, 28])) }
        #expect(logits.shape == [3, 10])
    }

    /// Inference folds batch norm into the convolutions; the result must equal the plain
    /// layer-by-layer computation in eval mode.
    @Test(arguments: [ResNet.Depth.resnet18, .resnet50])
    func fusedInferenceMatchesLayerByLayer(depth: ResNet.Depth) {
        var generator = RandomGenerator(seed: 3)
        let model = ResNet(depth, classCount: 10, inputChannels: 1, cifarStem: true, generator: &generator)
        let images = Tensor.normal([2, 1, 16, 16], generator: &generator)
        model.train()
        for _ in 0..<2 { _ = model(images) }   // move the running statistics away from 0 / 1
        model.eval()
        let fused = withoutGradients { model(images) }
        let layerByLayer = model(images)        // gradients on: no fusion
        let error = zip(fused.scalars, layerByLayer.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(error < 1e-4)
    }

    /// Folded inference weights are cached; an optimizer step must invalidate them.
    @Test func fusedInferenceTracksWeightUpdates() {
        var generator = RandomGenerator(seed: 8)
        let model = ResNet(.resnet18, classCount: 10, inputChannels: 1, cifarStem: true, generator: &generator)
        let images = Tensor.normal([2, 1, 12, 12], generator: &generator)
        model.eval()
        let before = withoutGradients { model(images) }
        model.train()
        let optimizer = SGD(model.trainableParameters, learningRate: 0.5)
        model(images).crossEntropy(labels: [1, 2]).backward()
        optimizer.step()
        model.eval()
        let after = withoutGradients { model(images) }
        let layerByLayer = model(images)
        #expect(before.scalars != after.scalars)
        let error = zip(after.scalars, layerByLayer.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(error < 1e-4)
    }

    @Test func freezingByPrefixAndCount() {
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(.resnet18, classCount: 10, generator: &generator)
        #expect(model.setTrainable(false, namePrefix: "layer1.") == 12)
        #expect(model.trainableParameters.count == 62 - 12)
        model.freezeFirst(60)
        #expect(model.trainableParameters.map { $0 === model.parameters[60] || $0 === model.parameters[61] } == [true, true])
    }

    @Test func trainingReducesTheLossOnAFixedBatch() {
        var generator = RandomGenerator(seed: 11)
        let model = SeedNet(dropout: 0, generator: &generator)
        let images = Tensor.normal([16, 1, 28, 28], generator: &generator)
        let labels = (0..<16).map { $0 % 10 }
        let optimizer = SGD(model.trainableParameters, learningRate: 0.05, momentum: 0.9)
        var losses: [Float] = []
        for _ in 0..<16 {
            optimizer.zeroGrad()
            let loss = model(images).crossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        #expect(losses.min()! < losses.first! * 0.5)
    }
}
