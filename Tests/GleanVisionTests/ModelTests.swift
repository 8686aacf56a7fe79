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

    /// The inference form folds every batch norm into its convolution and runs the same
    /// function as the model in eval mode, at any batch size; its weights keep the model's
    /// names, with a bias for each folded convolution and no batch-norm entries.
    @Test(arguments: [ResNet.Depth.resnet18, .resnet50])
    func fusedInferenceMatchesTheModel(depth: ResNet.Depth) throws {
        var generator = RandomGenerator(seed: 3)
        let model = ResNet(depth, classCount: 10, inputChannels: 1, cifarStem: true, width: 8, generator: &generator)
        let images = Tensor.normal([5, 1, 16, 16], generator: &generator)
        model.train()
        for _ in 0..<2 { _ = model(images) }   // move the running statistics away from 0 / 1
        let fused = try model.fusedForInference(inputShape: [1, 16, 16])
        #expect(model.isTraining)
        model.eval()
        for batch in [1, 5] {
            let input = images.sliced(axis: 0, 0..<batch)
            let expected = withoutGradients { model(input) }, actual = fused(input)
            let error = zip(actual.scalars, expected.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(error < 1e-4)
        }
        let (trace, _) = withoutGradients { OpTrace.recording { fused(images) } }
        #expect(!trace.ops.contains { if case .batchNorm = $0.kind { true } else { false } })
        let names = fused.namedParameters().map(\.0)
        #expect(names.contains("conv1.weight") && names.contains("conv1.bias") && names.contains("layer2.0.downsample.0.bias"))
        #expect(names.contains("fc.weight"))
        #expect(!names.contains { $0.contains("bn") || $0.contains("downsample.1") })
        #expect(fused.namedBuffers().isEmpty)
        let original = Set(model.namedParameters().map(\.0))
        for name in names where !original.contains(name) {
            #expect(name.hasSuffix(".bias") && original.contains(name.dropLast(".bias".count) + ".weight"))
        }
    }

    /// `inference(_:)` builds the fused form again after an optimizer step, and leaves the
    /// model in the mode it found it in.
    @Test func inferenceTracksWeightUpdates() {
        var generator = RandomGenerator(seed: 8)
        let model = ResNet(.resnet18, classCount: 10, inputChannels: 1, cifarStem: true, width: 8, generator: &generator)
        let images = Tensor.normal([2, 1, 12, 12], generator: &generator)
        let before = model.inference(images)
        #expect(model.isTraining)
        let optimizer = SGD(model.trainableParameters, learningRate: 0.5)
        model(images).crossEntropy(labels: [1, 2]).backward()
        optimizer.step()
        let after = model.inference(images)
        model.eval()
        let expected = withoutGradients { model(images) }
        #expect(before.scalars != after.scalars)
        let error = zip(after.scalars, expected.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(error < 1e-4)
    }

    /// A module whose pass uses an op the fused form cannot replay is refused with the op's
    /// name, and `inference(_:)` runs it as it is.
    @Test func unfusableModulesRunAsTheyAre() throws {
        final class Doubling: Module {
            override func forward(_ input: Tensor) -> Tensor { (input * input).relu() }
        }
        let module = Doubling()
        #expect(throws: FusionError.self) { try module.fusedForInference(inputShape: [3]) }
        let input = Tensor([-1, 2, 3], shape: [1, 3])
        #expect(module.inference(input).scalars == [1, 4, 9])
    }

    /// SeedNet's dropout is absent from the inference form and each ReLU after a convolution
    /// runs inside it.
    @Test func seedNetInferenceFormDropsDropout() throws {
        var generator = RandomGenerator(seed: 2)
        let model = SeedNet(dropout: 0.5, generator: &generator)
        let images = Tensor.normal([3, 1, 28, 28], generator: &generator)
        let fused = try model.fusedForInference(inputShape: [1, 28, 28])
        model.eval()
        #expect(fused(images).scalars == withoutGradients { model(images) }.scalars)
        let (trace, _) = withoutGradients { OpTrace.recording { fused(images) } }
        let convolutions = trace.ops.filter { if case .convolution(_, _, _, _, relu: true) = $0.kind { true } else { false } }
        #expect(convolutions.count == 2)
        #expect(fused.opCount == trace.ops.count)
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
