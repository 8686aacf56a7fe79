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

    @Option(help: "Model: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName = .seednet
    @Option(help: "Training epochs.") var epochs = 5
    @Option(help: "Images per batch.") var batchSize = 128
    @Option(help: "Learning rate.") var learningRate: Float = 0.05
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(help: "L2 weight decay.") var weightDecay: Float = 5e-4
    @Option(help: "Labelled images per class taken from the training split (0 = all 6,000).")
    var labelsPerClass = 0
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
              + "(\(labelsPerClass > 0 ? "\(labelsPerClass) per class" : "all")), \(test.count) test images, seed \(seed)")
        let optimizer = SGD(network.trainableParameters, learningRate: learningRate, momentum: momentum,
                            weightDecay: weightDecay)
        var shuffleGenerator = RandomGenerator(seed: seed, stream: "shuffle")
        let stepsPerEpoch = max(1, train.count / batchSize)
        let schedule = CosineWithWarmup(totalSteps: stepsPerEpoch * epochs)
        var step = 0
        for epoch in 1...epochs {
            network.train()
            let order = Array(0..<train.count).shuffled(using: &shuffleGenerator)
            var lossSum: Float = 0, correct = 0, seen = 0
            let start = Date()
            for batchIndex in 0..<stepsPerEpoch {
                optimizer.scaleLearningRates(by: schedule.multiplier(at: step))
                let indices = Array(order[batchIndex * batchSize ..< min((batchIndex + 1) * batchSize, order.count)])
                let (images, labels) = train.batch(indices, mean: mean, std: std)
                optimizer.zeroGrad()
                let logits = network(images)
                let loss = logits.crossEntropy(labels: labels)
                loss.backward()
                optimizer.step()
                lossSum += loss.item * Float(labels.count)
                correct += zip(logits.argmax(axis: 1), labels).filter { $0 == $1 }.count
                seen += labels.count
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
