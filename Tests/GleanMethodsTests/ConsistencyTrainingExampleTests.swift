import Foundation
import Glean
import Testing

/// The task of the DocC article "Writing your own method", as printed there.
final class ConsistencyTraining: TrainingTask {
    let model: Module
    let weight: Float

    init(model: Module, weight: Float = 10) {
        self.model = model
        self.weight = weight
    }

    var inputs: StepInputs { .labeledAndUnlabeled }

    func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!, unlabeled = batch.unlabeled!
        let logits = model(labeled.images)
        let supervised = logits.crossEntropy(labels: labeled.labels)
        let target = withoutGradients { model(unlabeled.views[0]).softmax(axis: 1) }
        let consistency = model(unlabeled.views[1]).softmax(axis: 1).meanSquaredError(targets: target)
        // The consistency weight ramps up over the first half of the run.
        let ramp = Float(min(1, Double(context.globalStep) / Double(max(1, context.totalSteps / 2))))
        return StepOutput(loss: supervised + consistency * (weight * ramp), logits: logits, labels: labeled.labels,
                          exampleCount: labeled.labels.count + unlabeled.labels.count,
                          scalars: ["loss_x": Double(supervised.item), "loss_u": Double(consistency.item)])
    }
}

@Suite struct ConsistencyTrainingExampleTests {
    /// The article's task and loaders train on labeled and unlabeled images: both losses are
    /// reported, the unlabeled loss has weight 0 at the first step, and the weights change.
    @Test func articleTaskTrainsOnLabeledAndUnlabeledImages() throws {
        var generator = RandomGenerator(seed: 4)
        let pixels = (0..<(40 * 28 * 28)).map { _ in UInt8(generator.next() % 256) }
        let images = ImageDataset(pixels: pixels, labels: (0..<40).map { $0 % 4 }, channels: 1, height: 28, width: 28, classCount: 4,
                                  classNames: ["a", "b", "c", "d"])
        let (labeled, unlabeledImages) = (images.subset(Array(0..<8)), images.subset(Array(8..<40)))
        var initialise = RandomGenerator(seed: 0, stream: "init")
        let model = SeedNet(classCount: 4, generator: &initialise)
        let views = Compose([RandomCrop(size: 28, padding: 2), RandomHorizontalFlip()])
        let loader = DataLoader(dataset: labeled, batchSize: 4, sampler: RandomSampler(count: labeled.count, seed: 0), transform: views,
                                mean: [0.5], std: [0.3], seed: 0)
        let unlabeledLoader = DataLoader(dataset: unlabeledImages, batchSize: 8, sampler: RandomSampler(count: unlabeledImages.count, seed: 0),
                                         views: [views, views], mean: [0.5], std: [0.3], dropLast: true, seed: 0)
        let before = model.stateDict().first { $0.0 == "features.0.weight" }!.1
        let task = ConsistencyTraining(model: model)
        let trainer = Trainer(task: task, optimizer: SGD(model.trainableParameters, learningRate: 0.03, momentum: 0.9, nesterov: true),
                              schedule: CosineWithWarmup(totalSteps: 2 * unlabeledLoader.batchCount(epoch: 0)), callbacks: [])
        let history = try trainer.fit(labeled: loader, unlabeled: unlabeledLoader, epochs: 2)
        #expect(history.count == 2 && history.allSatisfy { $0["loss_x"] != nil && $0["loss_u"] != nil })
        #expect(model.stateDict().first { $0.0 == "features.0.weight" }!.1 != before)
    }
}
