import Foundation
import Glean
import Testing

@Suite struct CollapseMonitorTests {
    /// A planted collapse: a classifier whose bias sends every image to class 0, trained by
    /// FixMatch at learning rate 0, so every confident pseudo-label is class 0 epoch after epoch.
    /// The monitor stops the run after two such epochs past the first and says what it saw.
    @Test func plantedCollapseIsFoundAndStopsTheRun() throws {
        var generator = RandomGenerator(seed: 8)
        let pixels = (0..<(48 * 28 * 28)).map { _ in UInt8(generator.next() % 256) }
        let images = ImageDataset(pixels: pixels, labels: (0..<48).map { $0 % 4 }, channels: 1, height: 28, width: 28, classCount: 4,
                                  classNames: ["a", "b", "c", "d"])
        var initialise = RandomGenerator(seed: 0, stream: "init")
        let model = SeedNet(classCount: 4, generator: &initialise)
        try model.loadStateDict(["classifier.6.bias": .float(values: [50, 0, 0, 0], shape: [4])], strict: false)
        let pair = FixMatchAugmentation(imageSize: 28)
        let labeled = DataLoader(dataset: images.subset(Array(0..<8)), batchSize: 4, sampler: RandomSampler(count: 8, seed: 0),
                                 transform: pair.weak, mean: [0.5], std: [0.3], seed: 0)
        let unlabeled = DataLoader(dataset: images.subset(Array(8..<48)), batchSize: 8, sampler: RandomSampler(count: 40, seed: 0),
                                   views: pair.views, mean: [0.5], std: [0.3], dropLast: true, seed: 0)
        let monitor = CollapseMonitor(classCount: 4)
        let trainer = Trainer(task: FixMatch(model: model, threshold: 0.95), optimizer: SGD(model.trainableParameters, learningRate: 0),
                              schedule: CosineWithWarmup(totalSteps: 6 * unlabeled.batchCount(epoch: 0)), callbacks: [monitor])
        let history = try trainer.fit(labeled: labeled, unlabeled: unlabeled, epochs: 6)
        #expect(history.count == 3 && history.allSatisfy { $0["pseudo_top_share"] == 1 })
        #expect(monitor.finding?.contains("one class took 100% of the confident pseudo-labels for 2 epochs") == true, "\(monitor.finding ?? "")")
    }

    /// The labeled loss: flat from a high start is a collapse; flat from a low start (a warm
    /// start that already fits its labels) is not, and neither is a falling one.
    @Test func labeledLossThatDoesNotFallIsACollapseOnlyFromAHighStart() throws {
        func run(_ losses: [Double]) throws -> String? {
            var generator = RandomGenerator(seed: 1)
            let model = SeedNet(classCount: 10, generator: &generator)
            let context = TrainingContext(task: SupervisedClassification(model: model), optimizer: SGD(model.trainableParameters, learningRate: 0),
                                          totalEpochs: losses.count)
            let monitor = CollapseMonitor(classCount: 10)
            for (epoch, loss) in losses.enumerated() {
                context.epoch = epoch
                try monitor.epochFinished(context, metrics: ["loss_x": loss, "pseudo_top_share": 0.3])
            }
            return monitor.finding
        }
        #expect(try run([2.30, 2.29, 2.30])?.contains("labeled loss is not falling (loss_x 2.300 at epoch 3, 2.300 at epoch 1)") == true)
        #expect(try run([0.40, 0.41, 0.40]) == nil)
        #expect(try run([2.30, 1.50, 0.90]) == nil)
    }
}
