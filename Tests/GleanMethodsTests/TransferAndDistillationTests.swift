import Foundation
import Glean
import Testing

@Suite struct TransferTests {
    /// ResNet stages get geometric rates from the lowest scale up to the head's 1.
    @Test func discriminativeRatesRiseByStage() throws {
        var generator = RandomGenerator(seed: 0)
        let network = try ModelZoo.make("resnet18", classCount: 3, inputChannels: 1, imageSize: 28, width: 8, generator: &generator)
        let groups = DiscriminativeRates.groups(network, headPrefix: "fc.", lowestScale: 0.01)
        #expect(groups.count == 7)   // conv1, bn1, layer1…layer4, fc
        #expect(abs(groups[0].rateScale - 0.01) < 1e-6 && groups.last!.rateScale == 1)
        #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.rateScale < $1.rateScale })
        #expect(groups.last!.parameters.count == 2 && groups.map(\.parameters.count).reduce(0, +) == network.parameters.count)
    }

    /// Head-only epochs leave the backbone untouched; afterwards it trains.
    @Test func frozenEpochsThenTheBackboneLearns() throws {
        var generator = RandomGenerator(seed: 1)
        let network = try ModelZoo.make("resnet18", classCount: 2, inputChannels: 1, imageSize: 8, width: 4,
                                        head: .mlp(hidden: 8, dropout: 0.4), generator: &generator)
        #expect(network.namedParameters().contains { $0.0 == "fc.3.weight" })
        let backbone = network.namedParameters().filter { !$0.0.hasPrefix("fc.") }.map(\.1)
        let task = FineTuning(model: network, backbone: backbone, frozenEpochs: 1)
        let loader = DataLoader(dataset: topOrBottomImages(count: 32, seed: 2), batchSize: 16,
                                sampler: RandomSampler(count: 32, seed: 3), mean: [0.5], std: [0.25], seed: 4)
        let trainer = Trainer(task: task, optimizer: Adam(network.parameters, learningRate: 0.01))
        let before = backbone[0].value.scalars, headBefore = network.parameters.last!.value.scalars
        try trainer.fit(train: loader, epochs: 1)
        #expect(backbone[0].value.scalars == before && network.parameters.last!.value.scalars != headBefore)
        try trainer.fit(train: loader, epochs: 2, resuming: ResumeState.Position(nextEpoch: 1, step: 2, history: [[:]], config: ""))
        #expect(backbone[0].value.scalars != before)
    }

    @Test func headsRoundTripTheirNames() {
        #expect(ModelZoo.Head(name: "mlp-256-0.4") == .mlp(hidden: 256, dropout: 0.4))
        #expect(ModelZoo.Head(name: ModelZoo.Head.linear.name) == .linear)
        #expect(ModelZoo.Head(name: "mlp-0-0.4") == nil && ModelZoo.Head(name: "conv") == nil)
    }
}

@Suite struct DistillationTests {
    /// The loss is α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y), computed here by hand.
    @Test func lossMatchesTheFormula() throws {
        let studentWeights: [Float] = [0.5, -0.2, 0.1, 0.3, -0.4, 0.2], teacherWeights: [Float] = [1.0, 0.1, -0.3, -0.5, 0.6, 0.2]
        let student = Sequential([Lambda.flatten(), Linear(2, 3, generator: &Self.generator)])
        let teacher = Sequential([Lambda.flatten(), Linear(2, 3, generator: &Self.generator)])
        try student.loadStateDict(["1.weight": .float(values: studentWeights, shape: [3, 2]), "1.bias": .float(values: [0, 0, 0], shape: [3])])
        try teacher.loadStateDict(["1.weight": .float(values: teacherWeights, shape: [3, 2]), "1.bias": .float(values: [0, 0, 0], shape: [3])])
        let inputs: [Float] = [1, 2, -1, 0.5]
        let batch = Batch(images: Tensor(inputs, shape: [2, 1, 1, 2]), labels: [2, 0], indices: [0, 1])
        let (temperature, alpha): (Float, Float) = (3, 0.7)
        let task = Distillation(student: student, teacher: teacher, temperature: temperature, alpha: alpha)
        let output = task.trainingStep(StepBatch(labeled: batch), context: StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0,
                                                                                   stepsPerEpoch: 1, totalSteps: 1))
        func logits(_ weights: [Float], _ row: Int) -> [Double] {
            (0..<3).map { (unit: Int) -> Double in
                let first: Float = weights[2 * unit] * inputs[2 * row]
                let second: Float = weights[2 * unit + 1] * inputs[2 * row + 1]
                return Double(first + second)
            }
        }
        func softmax(_ values: [Double]) -> [Double] {
            let top = values.max()!
            let exps = values.map { Foundation.exp($0 - top) }
            return exps.map { $0 / exps.reduce(0, +) }
        }
        var kl = 0.0, ce = 0.0
        for row in 0..<2 {
            let s = logits(studentWeights, row), t = logits(teacherWeights, row)
            let p = softmax(t.map { $0 / Double(temperature) }), q = softmax(s.map { $0 / Double(temperature) })
            kl += zip(p, q).map { $0 * Foundation.log($0 / $1) }.reduce(0, +) / 2
            ce += -Foundation.log(softmax(s)[batch.labels[row]]) / 2
        }
        let expected = Double(alpha) * Double(temperature * temperature) * kl + Double(1 - alpha) * ce
        // Float32 softmax/log terms are good to ~1e-6 relative; the KL term is scaled by T² = 9.
        #expect(abs(Double(output.loss.item) - expected) < 1e-6 * Double(temperature * temperature) * max(1, expected) * 4,
                "\(output.loss.item) vs \(expected)")
        #expect(teacher.parameters.allSatisfy { !$0.isTrainable })
    }

    @Test func renormalizationMapsBetweenStatistics() {
        let map = Distillation.renormalization(mean: [0.5], std: [0.25], teacherMean: [0.25], teacherStd: [0.5])
        // pixel 0.75: student sees (0.75-0.5)/0.25 = 1; the teacher must see (0.75-0.25)/0.5 = 1.
        #expect(abs(map(Tensor([1], shape: [1, 1, 1, 1])).item - 1) < 1e-6)
        #expect(abs(map(Tensor([-2], shape: [1, 1, 1, 1])).item - (-0.5)) < 1e-6)   // pixel 0
    }

    nonisolated(unsafe) static var generator = RandomGenerator(seed: 9)
}
