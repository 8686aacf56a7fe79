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
    @Option(help: "Name of the run (its folder is runs/<date>_<time>_<name>).") var runName: String?
    @Option(help: "Continue the run in this folder from its resume.safetensors (same options required).")
    var resume: String?
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
        let testLoader = DataLoader(dataset: test, batchSize: 500, sampler: SequentialSampler(count: test.count),
                                    mean: mean, std: std, seed: seed)
        let runDirectory = try resume.map { RunDirectory(path: $0) } ?? RunDirectory.create(name: runName ?? model.rawValue)
        let resumePath = runDirectory.path + "/resume.safetensors"
        var position = ResumeState.Position(nextEpoch: 0, step: 0, history: [], config: configDescription)
        if resume != nil {
            position = try ResumeState.restore(from: resumePath, model: network, optimizer: optimizer)
            guard position.config == configDescription else {
                throw ValidationError("--resume \(runDirectory.path): the run was started with other options:\n\(position.config)")
            }
            print("resuming \(runDirectory.path) at epoch \(position.nextEpoch + 1)")
        } else {
            try runDirectory.writeConfig(configDescription)
        }
        let trainer = Trainer(task: SupervisedClassification(model: network), optimizer: optimizer,
                              schedule: CosineWithWarmup(totalSteps: loader.batchCount(epoch: 0) * epochs),
                              callbacks: [ProgressPrinter(),
                                          CSVLogger(path: runDirectory.path + "/metrics.csv", previous: position.history),
                                          ModelCheckpoint(directory: runDirectory.path, monitor: "val_accuracy",
                                                          extraMetadata: CheckpointInfo(model: model.rawValue, classCount: train.classCount,
                                                                                        inputChannels: 1, imageSize: 28, mean: mean,
                                                                                        std: std, classNames: train.classNames).metadata),
                                          ResumeCheckpoint(path: resumePath, config: configDescription)])
        print("run directory: \(runDirectory.path)  (validation = the test split)")
        try trainer.fit(train: loader, validation: testLoader, epochs: epochs, startEpoch: position.nextEpoch,
                        startStep: position.step, history: position.history)
        let (metrics, confusion) = trainer.evaluate(testLoader)
        let report = confusion.report(classNames: test.classNames)
        try AtomicFile.write(Data(report.utf8), to: runDirectory.path + "/report.txt")
        let history = try CSVHistory.read(runDirectory.path + "/metrics.csv")
        try HTMLReport(title: "glean train: \(model.rawValue) on Fashion-MNIST", history: history, confusion: confusion,
                       classNames: test.classNames,
                       notes: configDescription.split(separator: "\n").map(String.init)
                           + [String(format: "final test accuracy %.2f%%", 100 * (metrics["accuracy"] ?? 0))])
            .write(to: runDirectory.path + "/report.html")
        print(report)
        print("report: \(runDirectory.path)/report.html")
        print(String(format: "final test accuracy: %.2f%%", 100 * (metrics["accuracy"] ?? 0)))
    }

    /// The resolved options, as written to the run directory.
    private var configDescription: String {
        [("model", model.rawValue), ("epochs", "\(epochs)"), ("batch-size", "\(batchSize)"),
         ("learning-rate", "\(learningRate)"), ("momentum", "\(momentum)"), ("weight-decay", "\(weightDecay)"),
         ("labels-per-class", "\(labelsPerClass)"), ("augment", augment.rawValue), ("seed", "\(seed)"),
         ("data-dir", IDXReader.fashionMNISTDirectory(dataDir))]
            .map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
    }
}
