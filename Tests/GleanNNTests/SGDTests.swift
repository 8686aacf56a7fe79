import Foundation
import Glean
import Testing

@Suite struct SGDTests {
    /// Reference: PyTorch's SGD on w = [1, -2], g = w (loss ½‖w‖²), lr 0.1, momentum 0.9,
    /// weight decay 0.01, three steps — computed by hand from the update rule.
    @Test func momentumAndWeightDecayFollowPyTorch() {
        let parameter = Parameter(Tensor([1, -2]))
        let optimizer = SGD([parameter], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        var w: [Double] = [1, -2], v: [Double] = [0, 0]
        for step in 0..<3 {
            optimizer.zeroGrad()
            (parameter.value.squared().sum() * 0.5).backward()
            optimizer.step()
            for i in 0..<2 {
                let g = w[i] + 0.01 * w[i]
                v[i] = step == 0 ? g : 0.9 * v[i] + g
                w[i] -= 0.1 * v[i]
            }
        }
        #expect(zip(parameter.value.scalars, w).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }

    @Test func frozenParametersDoNotMove() {
        let parameter = Parameter(Tensor([1, 2]))
        parameter.isTrainable = false
        let optimizer = SGD([parameter], learningRate: 0.1)
        optimizer.step()
        #expect(parameter.value.scalars == [1, 2])
        #expect(parameter.value.requiresGrad == false)
    }
}

@Suite struct SigmoidBinaryClassifierTests {
    /// Scores are [0, z]; their cross-entropy is binary cross-entropy with logits,
    /// log(1 + e^z) − y·z; names are the one-output model's; train/eval reaches the base.
    @Test func oneOutputActsAsATwoClassClassifier() throws {
        var generator = RandomGenerator(seed: 4)
        let network = try ModelZoo.make("seednet", classCount: 2, inputChannels: 1, imageSize: 28, head: .sigmoid, generator: &generator)
        var plainGenerator = RandomGenerator(seed: 4)
        let plain = try ModelZoo.make("seednet", classCount: 1, inputChannels: 1, imageSize: 28, generator: &plainGenerator)
        #expect(network.namedParameters().map(\.0) == plain.namedParameters().map(\.0))
        network.eval()
        let images = Tensor.uniform([3, 1, 28, 28], generator: &generator)
        let scores = network(images)
        #expect(!(network as! SigmoidBinaryClassifier).base.isTraining)
        #expect(scores.shape == [3, 2] && scores.scalars.enumerated().allSatisfy { $0.offset % 2 == 1 || $0.element == 0 })
        let z = (0..<3).map { Double(scores.scalars[2 * $0 + 1]) }, labels = [1, 0, 1]
        let expected = zip(z, labels).map { log(1 + exp($0)) - Double($1) * $0 }.reduce(0, +) / 3
        #expect(abs(Double(scores.crossEntropy(labels: labels).item) - expected) < 1e-5)
        #expect(throws: ModelZoo.ModelError.self) {
            try ModelZoo.make("seednet", classCount: 3, inputChannels: 1, imageSize: 28, head: .sigmoid, generator: &generator)
        }
        #expect(ModelZoo.Head(name: "sigmoid") == .sigmoid)
    }
}

@Suite struct StochasticDepthTests {
    /// In training each example's branch is dropped or scaled by 1/(1−p); eval is the identity.
    @Test func dropPathDropsWholeExamples() {
        var generator = RandomGenerator(seed: 2)
        let dropPath = DropPath(probability: 0.5, generator: &generator)
        let input = Tensor.ones([64, 2, 3, 3])
        let output = dropPath(input).scalars
        let perExample = (0..<64).map { Set(output[($0 * 18)..<(($0 + 1) * 18)]) }
        #expect(perExample.allSatisfy { $0 == [0] || $0 == [2] })
        let dropped = perExample.filter { $0 == [0] }.count
        #expect(dropped > 16 && dropped < 48)
        dropPath.eval()
        #expect(dropPath(input).scalars == input.scalars)
    }

    /// Rates rise linearly over the blocks (none on the first); the generators are named modules,
    /// so resume files carry them; without stochastic depth the model is initialised as before.
    @Test func resNetBlocksGetRisingRates() throws {
        var generator = RandomGenerator(seed: 1)
        let network = try ModelZoo.make("resnet18", classCount: 3, inputChannels: 1, imageSize: 28, width: 4, stochasticDepth: 0.3,
                                        generator: &generator)
        let rates = network.namedModules().compactMap { ($0.1 as? DropPath).map { ($0.probability) } }
        #expect(rates.count == 7 && abs(rates.last! - 0.3) < 1e-6 && abs(rates.first! - 0.3 / 7) < 1e-6)
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
        let plain = try ModelZoo.make("resnet18", classCount: 3, inputChannels: 1, imageSize: 28, width: 4, generator: &a)
        let zero = try ModelZoo.make("resnet18", classCount: 3, inputChannels: 1, imageSize: 28, width: 4, stochasticDepth: 0, generator: &b)
        #expect(plain.stateDict().map(\.1) == zero.stateDict().map(\.1))
        #expect(throws: ModelZoo.ModelError.self) {
            try ModelZoo.make("seednet", classCount: 3, inputChannels: 1, imageSize: 28, stochasticDepth: 0.2, generator: &generator)
        }
    }

    /// `dropout` replaces SeedNet's own 0.5 (0 turns it off: training-mode passes agree) without
    /// changing the initial weights; models without dropout layers refuse it, and so does a
    /// probability outside [0, 1).
    @Test func dropoutIsTheArchitecturesOwnUnlessToldOtherwise() throws {
        var a = RandomGenerator(seed: 2), b = RandomGenerator(seed: 2)
        let own = try ModelZoo.make("seednet", classCount: 3, inputChannels: 1, imageSize: 12, generator: &a)
        let off = try ModelZoo.make("seednet", classCount: 3, inputChannels: 1, imageSize: 12, dropout: 0, generator: &b)
        #expect(own.stateDict().map(\.1) == off.stateDict().map(\.1))
        let rates = { (network: Module) in network.namedModules().compactMap { ($0.1 as? Dropout)?.probability } }
        #expect(rates(own) == [SeedNet.defaultDropout, SeedNet.defaultDropout] && rates(off) == [0, 0])
        var inputs = RandomGenerator(seed: 3)
        let images = Tensor.normal([4, 1, 12, 12], generator: &inputs)
        own.train()
        off.train()
        #expect(off(images).scalars == off(images).scalars)
        #expect(own(images).scalars != own(images).scalars)
        for (name, dropout) in [("resnet18", Float(0.2)), ("seednet", 1), ("seednet", -0.1)] {
            #expect(throws: ModelZoo.ModelError.self) {
                try ModelZoo.make(name, classCount: 3, inputChannels: 1, imageSize: 28, width: 4, dropout: dropout, generator: &a)
            }
        }
    }
}
