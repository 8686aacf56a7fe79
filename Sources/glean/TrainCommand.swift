import ArgumentParser
import Foundation
import Glean

/// `glean train`: supervised training on Fashion-MNIST with an optional labels-per-class budget.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier (Fashion-MNIST, CIFAR-10 or a folder of images) and report test accuracy.")

    @Option(help: "YAML file of options (keys as below, e.g. 'batch-size: 64'); command-line options win.")
    var config: String?
    @Option(help: "Model: \(TrainSettings.models.joined(separator: ", ")) (default seednet).") var model: String?
    @Option(help: "Training epochs (default 5).") var epochs: String?
    @Option(help: "Images per batch (default 128).") var batchSize: String?
    @Option(help: "Optimizer: \(TrainSettings.optimizers.joined(separator: ", ")) (default sgd).") var optimizer: String?
    @Option(help: "Learning rate (default 0.05).") var learningRate: String?
    @Option(help: "SGD momentum (default 0.9).") var momentum: String?
    @Option(help: "Weight decay (default 5e-4).") var weightDecay: String?
    @Option(help: "Schedule: \(TrainSettings.schedules.joined(separator: ", ")) (default cosine).") var schedule: String?
    @Option(help: "Linear warm-up epochs before the cosine decay (default 0).") var warmupEpochs: String?
    @Option(help: "Label smoothing in [0, 1) (default 0).") var labelSmoothing: String?
    @Option(help: "Labelled images per class taken from the training split (0 = all 6,000; default 0).")
    var labelsPerClass: String?
    @Option(help: "Augmentation: \(TrainSettings.augments.joined(separator: ", ")) (default none).") var augment: String?
    @Option(help: "Stop after this many epochs without validation-loss improvement and keep the best weights (0 = off).")
    var earlyStoppingPatience: String?
    @Option(help: "Run seed: the same seed gives the same run (default 0).") var seed: String?
    @Option(help: "Dataset: \(TrainSettings.datasets.joined(separator: ", ")) (default fashion-mnist).") var dataset: String?
    @Option(help: "Data folder: Fashion-MNIST IDX files (default $GLEAN_FASHION_MNIST or Debian's), CIFAR-10 .bin files, or an ImageFolder root (one sub-folder per class).")
    var dataDir: String?
    @Option(help: "ImageFolder: resize images to this square size.") var imageSize: String?
    @Option(help: "ImageFolder: fraction held out for validation (default 0.2).") var validationSplit: String?
    @Option(help: "Name of the run (its folder is runs/<date>_<time>_<name>).") var runName: String?
    @Option(help: "Continue the run in this folder from its resume.safetensors (same options required).")
    var resume: String?

    /// Defaults, then the config file, then the command line.
    func resolvedSettings() throws -> TrainSettings {
        var settings = TrainSettings()
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("--config \(config): file not found or not UTF-8 text")
            }
            try settings.apply(yaml: text, source: config)
        }
        let overrides: [(String, String?)] = [
            ("model", model), ("epochs", epochs), ("batch-size", batchSize), ("optimizer", optimizer),
            ("learning-rate", learningRate), ("momentum", momentum), ("weight-decay", weightDecay),
            ("schedule", schedule), ("warmup-epochs", warmupEpochs), ("label-smoothing", labelSmoothing),
            ("labels-per-class", labelsPerClass), ("augment", augment),
            ("early-stopping-patience", earlyStoppingPatience), ("seed", seed), ("dataset", dataset), ("data-dir", dataDir),
            ("image-size", imageSize), ("validation-split", validationSplit),
        ]
        for (key, value) in overrides {
            if let value { try settings.set(key, value, source: "--\(key)") }
        }
        try settings.validate(source: config ?? "options")
        return settings
    }

    /// How the labelled subset was drawn, e.g. "200 per class", or why it holds every image.
    static func subsetDescription(_ perClass: Int, classCounts: [Int]) -> String {
        guard perClass > 0 else { return "all" }
        let (smallest, largest) = (classCounts.min() ?? 0, classCounts.max() ?? 0)
        if perClass >= largest { return "all: --labels-per-class \(perClass) is at least the largest class, \(largest) images" }
        if perClass > smallest { return "\(perClass) per class; smaller classes give all theirs, the smallest \(smallest)" }
        return "\(perClass) per class"
    }

    func run() throws {
        let settings = try resolvedSettings()
        let (fullTrain, test) = try settings.loadData()
        var splitGenerator = RandomGenerator(seed: settings.seed, stream: "split")
        let train = settings.labelsPerClass > 0
            ? fullTrain.subset(Splits.balanced(labels: fullTrain.labels, perClass: settings.labelsPerClass,
                                               classCount: fullTrain.classCount, generator: &splitGenerator).selected)
            : fullTrain
        var initGenerator = RandomGenerator(seed: settings.seed, stream: "init")
        let network = try ModelZoo.make(settings.model, classCount: train.classCount, inputChannels: train.channels,
                                        imageSize: train.height,
                                        generator: &initGenerator)
        let (mean, std) = train.channelStatistics()
        let optimizer = settings.makeOptimizer(network.trainableParameters)
        let loader = DataLoader(dataset: train, batchSize: settings.batchSize,
                                sampler: RandomSampler(count: train.count, seed: settings.seed), transform: settings.transform(size: train.height),
                                mean: mean, std: std, dropLast: train.count >= settings.batchSize, seed: settings.seed)
        let testLoader = DataLoader(dataset: test, batchSize: 500, sampler: SequentialSampler(count: test.count),
                                    mean: mean, std: std, seed: settings.seed)
        let runDirectory = try resume.map { RunDirectory(path: $0) } ?? RunDirectory.create(name: runName ?? settings.model)
        let resumePath = runDirectory.path + "/resume.safetensors"
        let log = try RunLog(path: runDirectory.path + "/train.log")
        func say(_ text: String) {
            print(text)
            log.write(text)
        }
        say("glean train: \(settings.model) on \(settings.dataset) (\(train.channels)x\(train.height)x\(train.width)), \(train.count) labelled images "
            + "(\(Self.subsetDescription(settings.labelsPerClass, classCounts: fullTrain.classCounts))), \(test.count) test images, "
            + "\(settings.optimizer), augment \(settings.augment), seed \(settings.seed)")
        let info = CheckpointInfo(model: settings.model, classCount: train.classCount, inputChannels: train.channels,
                                  imageSize: train.height,
                                  mean: mean, std: std, classNames: train.classNames)
        var callbacks: [Callback] = [
            ProgressPrinter(log: log),
            CSVLogger(path: runDirectory.path + "/metrics.csv"),
            ModelCheckpoint(directory: runDirectory.path, monitor: "val_accuracy", extraMetadata: info.metadata),
            ResumeCheckpoint(path: resumePath, config: settings.yaml),
        ]
        if settings.earlyStoppingPatience > 0 {
            callbacks.append(EarlyStopping(monitor: "val_loss", patience: settings.earlyStoppingPatience))
        }
        let trainer = Trainer(task: SupervisedClassification(model: network, labelSmoothing: settings.labelSmoothing),
                              optimizer: optimizer, schedule: settings.makeSchedule(stepsPerEpoch: loader.batchCount(epoch: 0)),
                              callbacks: callbacks)
        var position = ResumeState.Position(nextEpoch: 0, step: 0, history: [], config: settings.yaml)
        if resume != nil {
            position = try trainer.restore(from: resumePath)
            guard position.config == settings.yaml else {
                throw ValidationError("--resume \(runDirectory.path): the run was started with other options:\n\(position.config)")
            }
        } else {
            try runDirectory.writeConfig(settings.yaml)
        }
        if resume != nil { say("resuming \(runDirectory.path) at epoch \(position.nextEpoch + 1)") }
        say("run directory: \(runDirectory.path)  (validation = the held-out test split)")
        try trainer.fit(train: loader, validation: testLoader, epochs: settings.epochs, resuming: position)
        let (metrics, confusion) = trainer.withEvaluationWeights { ClassificationValidation.evaluate(network, on: testLoader) }
        let report = confusion.report(classNames: test.classNames)
        try AtomicFile.write(Data(report.utf8), to: runDirectory.path + "/report.txt")
        let history = try CSVHistory.read(runDirectory.path + "/metrics.csv")
        try HTMLReport(title: "glean train: \(settings.model) on \(settings.dataset)", history: history, confusion: confusion,
                       classNames: test.classNames,
                       summary: [String(format: "final test accuracy %.2f%%, top-5 %.2f%%, %d test images",
                                               100 * (metrics["accuracy"] ?? 0), 100 * (metrics["top5"] ?? 0), test.count)],
                       settings: settings.entries)
            .write(to: runDirectory.path + "/report.html")
        say(report)
        say("report: \(runDirectory.path)/report.html")
        say(String(format: "final test accuracy: %.2f%%", 100 * (metrics["accuracy"] ?? 0)))
    }
}
