import ArgumentParser
import Foundation
import Glean

/// `glean train`: supervised training on Fashion-MNIST with an optional labels-per-class budget.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on Fashion-MNIST and report test accuracy.")

    enum ModelName: String, ExpressibleByArgument, CaseIterable {
        case seednet, resnet18
    }

    enum AugmentPreset: String, ExpressibleByArgument, CaseIterable {
        case none
        case flipCrop = "flip-crop"

        var transform: Transform? {
            switch self {
            case .none: return nil
            case .flipCrop: return Compose([RandomCrop(size: 28, padding: 2), RandomHorizontalFlip()])
            }
        }
    }

    @Option(help: "Model: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName = .seednet
    @Option(help: "Training epochs.") var epochs = 5
    @Option(help: "Images per batch.") var batchSize = 128
    @Option(help: "Learning rate.") var learningRate: Float = 0.05
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(help: "L2 weight decay.") var weightDecay: Float = 5e-4
    @Option(help: "Labelled images per class taken from the training split (0 = all 6,000).")
    var labelsPerClass = 0
    @Option(help: "Augmentation: \(AugmentPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var augment: AugmentPreset = .none
    @Option(help: "Run seed: the same seed gives the same run.") var seed: UInt64 = 0
    @Option(help: "Directory with the Fashion-MNIST IDX files (default: $GLEAN_FASHION_MNIST or Debian's).")
    var dataDir: String?

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 1 else { throw ValidationError("--batch-size must be at least 2, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
        guard labelsPerClass >= 0 else { throw ValidationError("--labels-per-class must be >= 0, got \(labelsPerClass)") }
    }

    func run() throws {
        let (fullTrain, test) = try IDXReader.fashionMNIST(directory: dataDir)
        var splitGenerator = RandomGenerator(seed: seed, stream: "split")
        let train = labelsPerClass > 0
            ? fullTrain.subset(Splits.balanced(labels: fullTrain.labels, perClass: labelsPerClass,
                                               classCount: fullTrain.classCount, generator: &splitGenerator).selected)
            : fullTrain
        var initGenerator = RandomGenerator(seed: seed, stream: "init")
        let network: Module = model == .seednet
            ? SeedNet(classCount: train.classCount, generator: &initGenerator)
            : ResNet(.resnet18, classCount: train.classCount, inputChannels: 1, cifarStem: true, generator: &initGenerator)
        let (mean, std) = train.channelStatistics()
        print("glean train: \(model.rawValue) on Fashion-MNIST, \(train.count) labelled images "
              + "(\(labelsPerClass > 0 ? "\(labelsPerClass) per class" : "all")), \(test.count) test images, "
              + "augment \(augment.rawValue), seed \(seed)")
        let optimizer = SGD(network.trainableParameters, learningRate: learningRate, momentum: momentum,
                            weightDecay: weightDecay)
        let loader = DataLoader(dataset: train, batchSize: batchSize, sampler: RandomSampler(count: train.count, seed: seed),
                                transform: augment.transform, mean: mean, std: std, dropLast: train.count >= batchSize,
                                seed: seed)
        let stepsPerEpoch = loader.batchCount(epoch: 0)
        let schedule = CosineWithWarmup(totalSteps: stepsPerEpoch * epochs)
        var step = 0
        for epoch in 1...epochs {
            network.train()
            var lossSum: Float = 0, correct = 0, seen = 0
            let start = Date()
            for batch in loader.batches(epoch: epoch - 1) {
                optimizer.scaleLearningRates(by: schedule.multiplier(at: step))
                optimizer.zeroGrad()
                let logits = network(batch.images)
                let loss = logits.crossEntropy(labels: batch.labels)
                loss.backward()
                optimizer.step()
                lossSum += loss.item * Float(batch.labels.count)
                correct += zip(logits.argmax(axis: 1), batch.labels).filter { $0 == $1 }.count
                seen += batch.labels.count
                step += 1
            }
            let seconds = Date().timeIntervalSince(start)
            let accuracy = evaluate(network, test, mean: mean, std: std)
            print(String(format: "epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1fs  %.0f img/s",
                         epoch, epochs, lossSum / Float(seen), 100 * Float(correct) / Float(seen), 100 * accuracy,
                         seconds, Double(seen) / seconds))
        }
        print(String(format: "final test accuracy: %.2f%%", 100 * evaluate(network, test, mean: mean, std: std)))
    }

    private func evaluate(_ network: Module, _ data: ImageDataset, mean: [Float], std: [Float]) -> Float {
        network.eval()
        var correct = 0
        withoutGradients {
            for start in stride(from: 0, to: data.count, by: 500) {
                let (images, labels) = data.batch(Array(start ..< min(start + 500, data.count)), mean: mean, std: std)
                correct += zip(network(images).argmax(axis: 1), labels).filter { $0 == $1 }.count
            }
        }
        return Float(correct) / Float(max(data.count, 1))
    }
}
