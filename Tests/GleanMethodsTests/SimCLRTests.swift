import Foundation
import Glean
import Testing

@Suite struct NTXentTests {
    struct Case: Decodable {
        let n: Int, d: Int, temperature: Float
        let z1: [Float], z2: [Float], loss: Double
        let grad_z1: [Float], grad_z2: [Float]
    }

    static func cases() throws -> [Case] {
        struct File: Decodable { let cases: [Case] }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/ntxent_reference", withExtension: "json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// Value and gradients equal PyTorch's NT-Xent (float64 reference on float32 inputs) within 1e-5.
    @Test func matchesPyTorchReference() throws {
        for reference in try Self.cases() {
            let z1 = Tensor(reference.z1, shape: [reference.n, reference.d]).requiringGrad()
            let z2 = Tensor(reference.z2, shape: [reference.n, reference.d]).requiringGrad()
            let (loss, _) = NTXentLoss.loss(z1, z2, temperature: reference.temperature)
            #expect(abs(Double(loss.item) - reference.loss) < 1e-5, "n \(reference.n): \(loss.item) vs \(reference.loss)")
            loss.backward()
            let worst = zip(z1.grad!.scalars + z2.grad!.scalars, reference.grad_z1 + reference.grad_z2).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "n \(reference.n): largest gradient difference \(worst)")
        }
    }

    /// Identical views of well-separated images: every positive is found and the loss is far
    /// below that of unrelated views.
    @Test func agreeingViewsScoreLow() {
        var generator = RandomGenerator(seed: 3)
        let z = Tensor.normal([8, 16], generator: &generator)
        let (same, accuracy) = NTXentLoss.loss(z, z, temperature: 0.1)
        let (unrelated, _) = NTXentLoss.loss(z, Tensor.normal([8, 16], generator: &generator), temperature: 0.1)
        #expect(accuracy == 1 && same.item < unrelated.item)
    }
}

@Suite struct SimCLRTaskTests {
    /// A few SimCLR steps on two-view batches lower the loss of a small encoder.
    @Test func stepsLowerTheContrastiveLoss() throws {
        var generator = RandomGenerator(seed: 1)
        var pixels: [UInt8] = []
        for _ in 0..<(64 * 16 * 16) { pixels.append(UInt8(generator.next() % 256)) }
        let data = ImageDataset(pixels: pixels, labels: [Int](repeating: 0, count: 64), channels: 1, height: 16, width: 16, classCount: 1)
        let augmentation = SimCLRAugmentation(imageSize: 16)
        let loader = DataLoader(dataset: data, batchSize: 32, sampler: RandomSampler(count: 64, seed: 2),
                                views: augmentation.views(channels: 1), mean: [0.5], std: [0.3], dropLast: true, seed: 3)
        let encoder = try ModelZoo.makeEncoder("resnet18", inputChannels: 1, imageSize: 16, width: 8, generator: &generator)
        let network = SimCLRNetwork(encoder: encoder.module, featureCount: encoder.featureCount, hiddenCount: 32,
                                    projectionCount: 16, generator: &generator)
        let task = SimCLR(network: network, temperature: 0.5)
        let trainer = Trainer(task: task, optimizer: Adam(network.trainableParameters, learningRate: 3e-3))
        let history = try trainer.fit(unlabeled: loader, epochs: 8)
        #expect(history.last!["loss"]! < history.first!["loss"]!)
        #expect(history.allSatisfy { $0["contrastive_accuracy"] != nil && $0["accuracy"] == nil })
        #expect(encoder.featureCount == 64 && network.namedParameters().first!.0 == "encoder.conv1.weight")
    }

    /// `flips: false` never mirrors a view: with whole-image crops and no jitter every view of
    /// a left-right asymmetric image is the image itself, while with flips some are mirrored.
    @Test func viewsMirrorOnlyWhenFlipsAreOn() {
        let image = ImageBuffer(channels: 1, height: 4, width: 4, values: (0..<16).map { Float($0 % 4) / 3 })
        func mirroredViews(flips: Bool) -> Int {
            let view = SimCLRAugmentation(imageSize: 4, cropMinimumScale: 1, colorJitter: 0, flips: flips).view(channels: 1)
            var generator = RandomGenerator(seed: 5)
            return (0..<64).filter { _ in
                let result = view.apply(image, generator: &generator)
                #expect(result.values.count == 16)
                return result.values[0] > result.values[3]
            }.count
        }
        #expect(mirroredViews(flips: false) == 0)
        #expect(mirroredViews(flips: true) > 10)
    }

    /// Smaller views: both views are crops resized to `viewSize`, the batch's own images keep
    /// their size, and the encoder trained on the views reads whole images afterwards.
    @Test func viewsCanBeSmallerThanTheImages() throws {
        var generator = RandomGenerator(seed: 4)
        let pixels = (0..<(8 * 16 * 16)).map { _ in UInt8(generator.next() % 256) }
        let data = ImageDataset(pixels: pixels, labels: [Int](repeating: 0, count: 8), channels: 1, height: 16, width: 16, classCount: 1)
        let augmentation = SimCLRAugmentation(imageSize: 16, viewSize: 12)
        #expect(augmentation.cropMinimumScale == 0.2 && augmentation.blurProbability == 0)
        let loader = DataLoader(dataset: data, batchSize: 8, sampler: RandomSampler(count: 8, seed: 2),
                                views: augmentation.views(channels: 1), mean: [0.5], std: [0.3], seed: 3)
        let batch = loader.makeBatch(Array(0..<8), epoch: 0)
        #expect(batch.images.shape == [8, 1, 16, 16] && batch.views.map(\.shape) == [[8, 1, 12, 12], [8, 1, 12, 12]])
        let encoder = try ModelZoo.makeEncoder("resnet18", inputChannels: 1, imageSize: 16, width: 8, generator: &generator)
        let network = SimCLRNetwork(encoder: encoder.module, featureCount: encoder.featureCount, hiddenCount: 16,
                                    projectionCount: 8, generator: &generator)
        let task = SimCLR(network: network, temperature: 0.5)
        let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
        #expect(task.trainingStep(StepBatch(unlabeled: batch), context: context).loss.item.isFinite)
        encoder.module.eval()
        #expect(encoder.module(batch.images).shape == [8, encoder.featureCount])
    }
}

@Suite struct KNNTests {
    /// Two clusters: queries near a cluster take its class; the vote is weighted by similarity.
    @Test func classifiesByNearestNeighbours() {
        let bank = FeatureSet(features: Tensor([1, 0, 0.9, 0.1, 0.95, -0.05, 0, 1, 0.1, 0.9], shape: [5, 2]),
                              labels: [0, 0, 0, 1, 1], classCount: 2)
        let queries = FeatureSet(features: Tensor([2, 0.1, 0.05, 3], shape: [2, 2]), labels: [0, 1], classCount: 2)
        let (top1, _) = KNNClassifier(bank: bank, k: 2).evaluate(queries, temperature: 0.1)
        #expect(top1 == 1)
        // With k = 5 every bank entry votes; three class-0 votes outweigh two class-1 ones for a
        // query between the clusters, but not for one on top of class 1.
        let (allVotes, _) = KNNClassifier(bank: bank, k: 5).evaluate(
            FeatureSet(features: Tensor([1, 1], shape: [1, 2]), labels: [0], classCount: 2), temperature: 10)
        #expect(allVotes == 1)
    }

    /// One class-1 entry next to the query, three class-0 entries a little farther: a low
    /// temperature lets the nearest decide, a high one the majority. exp(1 / 0.001) overflows a
    /// Float, so the smallest temperature also proves the weights stay finite.
    @Test func temperatureTradesNearestAgainstMajorityAndIsChosenByAccuracy() {
        let bank = FeatureSet(features: Tensor([1, 0, 0.9, 0.3, 0.9, -0.3, 0.85, 0.35], shape: [4, 2]),
                              labels: [1, 0, 0, 0], classCount: 2)
        let query = FeatureSet(features: Tensor([1, 0.02], shape: [1, 2]), labels: [1], classCount: 2)
        let neighbours = KNNClassifier(bank: bank, k: 4).neighbours(of: query)
        #expect(neighbours.labels == [1, 0, 0, 0])
        #expect(neighbours.similarities == neighbours.similarities.sorted(by: >))
        #expect(neighbours.accuracy(temperature: 0.001).top1 == 1)
        #expect(neighbours.accuracy(temperature: 0.01).top1 == 1)
        #expect(neighbours.accuracy(temperature: 10).top1 == 0)
        let best = neighbours.best(among: [10, 1, 0.01, 0.001])
        #expect(best.temperature == 0.01 && best.top1 == 1)
        // Two classes: the true class is always in the top 5.
        #expect(neighbours.accuracy(temperature: 10).top5 == 1)
    }
}
