import ArgumentParser
import Foundation
import Glean

/// `glean pretrain`: self-supervised pretraining of an encoder on unlabeled images.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain an encoder on unlabeled images (self-supervised).",
        subcommands: [SimCLRCommand.self])
}

/// SimCLR's own options: the loss, the projection head, the views and the kNN monitor.
struct SimCLROptions: Equatable {
    var temperature: Float = 0.2
    var projectionDim = 128
    var projectionHidden = 0
    var cropMinScale: Float?
    var colorJitter: Float = 0.4
    var jitterProbability: Float = 0.8
    var grayscaleProbability: Float = 0.2
    var blurProbability: Float?
    var knnImages = 5000
    var knnK = 200
    var knnTemperature: Float = 0.1

    static let options: [OptionSpec<SimCLROptions>] = [
        .value("temperature", \.temperature, "NT-Xent temperature."),
        .value("projection-dim", \.projectionDim, "Width of the projections the loss compares."),
        .value("projection-hidden", \.projectionHidden, "Width of the projection head's hidden layer (0 = the encoder's feature width)."),
        .value("crop-min-scale", \.cropMinScale, "Smallest random-resized-crop area as a fraction of the image (auto: 0.08 from 64 px, else 0.2)."),
        .value("color-jitter", \.colorJitter, "Brightness, contrast and saturation jitter strength (hue: a quarter of it; gray images: brightness and contrast)."),
        .value("jitter-probability", \.jitterProbability, "Probability of colour jitter per view."),
        .value("grayscale-probability", \.grayscaleProbability, "Probability of a gray view (RGB images)."),
        .value("blur-probability", \.blurProbability, "Probability of Gaussian blur per view (auto: 0.5 from 64 px, else 0)."),
        .value("knn-images", \.knnImages, "kNN monitor: labeled training images in the bank each epoch (0 = no monitor); validation images are the queries."),
        .value("knn-k", \.knnK, "Neighbours that vote in the kNN monitor and the final kNN report."),
        .value("knn-temperature", \.knnTemperature, "Temperature of the kNN vote weights exp(similarity / T)."),
    ]

    func validate(source: String) throws {
        try check(temperature > 0, source, "temperature", "must be positive, got \(temperature)")
        try check(projectionDim > 0 && projectionDim <= 65_536, source, "projection-dim", "must be in 1...65536, got \(projectionDim)")
        try check(projectionHidden >= 0 && projectionHidden <= 65_536, source, "projection-hidden", "must be in 0...65536, got \(projectionHidden)")
        try check(cropMinScale.map { $0 > 0 && $0 <= 1 } ?? true, source, "crop-min-scale", "must be in (0, 1], got \(cropMinScale ?? 0)")
        try check(colorJitter >= 0 && colorJitter < 1, source, "color-jitter", "must be in [0, 1), got \(colorJitter)")
        for (key, value) in [("jitter-probability", jitterProbability), ("grayscale-probability", grayscaleProbability),
                             ("blur-probability", blurProbability ?? 0)] {
            try check(value >= 0 && value <= 1, source, key, "must be in [0, 1], got \(value)")
        }
        try check(knnImages >= 0, source, "knn-images", "must be >= 0, got \(knnImages)")
        try check(knnK > 0, source, "knn-k", "must be positive, got \(knnK)")
        try check(knnTemperature > 0, source, "knn-temperature", "must be positive, got \(knnTemperature)")
    }

    func augmentation(imageSize: Int) -> SimCLRAugmentation {
        SimCLRAugmentation(imageSize: imageSize, cropMinimumScale: cropMinScale, colorJitter: colorJitter,
                           colorJitterProbability: jitterProbability, grayscaleProbability: grayscaleProbability,
                           blurProbability: blurProbability)
    }
}

/// Everything `glean pretrain simclr` can be told.
struct SimCLRSettings: CommandSettings {
    var data = DataOptions()
    var model = ModelOptions()
    var optimization = OptimizationOptions()
    var simclr = SimCLROptions()
    var run = RunOptions()

    init() {
        model.model = .resnet18
        model.resNetDefaultWidth = 32
        optimization.epochs = 20
        optimization.batchSize = 256
        optimization.optimizer = .adam
        optimization.learningRate = 1e-3
        optimization.weightDecay = 1e-6
        optimization.warmupEpochs = 1
    }

    static let options: [OptionSpec<SimCLRSettings>] = DataOptions.options.lifted(\.data) + ModelOptions.options.lifted(\.model)
        + OptimizationOptions.options.lifted(\.optimization) + SimCLROptions.options.lifted(\.simclr) + RunOptions.options.lifted(\.run)
    static let sections: [(title: String, firstKey: String)] = [("Data", "dataset"), ("Encoder", "model"), ("Optimization", "epochs"),
                                                                 ("SimCLR", "temperature"), ("Run", "seed")]

    func validate(source: String) throws {
        try data.validate(source: source)
        try optimization.validate(source: source)
        try simclr.validate(source: source)
    }
}

/// `glean pretrain simclr`: SimCLR on every training image (labels unused), with a kNN
/// monitor on the validation images; writes `encoder.safetensors` and
/// `projection_head.safetensors` after every epoch.
struct SimCLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simclr",
        abstract: "SimCLR: contrastive pretraining of a zoo encoder on two augmented views of each image.",
        discussion: SimCLRSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --minutes 30 --model resnet18 --width 32.")
    var options: [String] = []

    func run() throws {
        let request = try SimCLRSettings.parse(options)
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed)
        // Labels are not used: every training image, and for a folder of unlabeled images the
        // held-out "test" images too (there is nothing to test on).
        let images = data.test.classCount > 1 ? data.trainingPool : data.trainingPool.appending(data.test)
        let encoder = try settings.model.makeEncoder(channels: images.channels, imageSize: images.height, seed: seed)
        var headGenerator = RandomGenerator(seed: seed, stream: "init/projector")
        let network = SimCLRNetwork(encoder: encoder.module, featureCount: encoder.featureCount,
                                    hiddenCount: settings.simclr.projectionHidden > 0 ? settings.simclr.projectionHidden : encoder.featureCount,
                                    projectionCount: settings.simclr.projectionDim, generator: &headGenerator)
        let task = SimCLR(network: network, temperature: settings.simclr.temperature)
        let augmentation = settings.simclr.augmentation(imageSize: images.height)
        guard images.count >= settings.optimization.batchSize else {
            throw ValidationError("--batch-size \(settings.optimization.batchSize) is larger than the \(images.count) training images")
        }
        let loader = DataLoader(dataset: images, batchSize: settings.optimization.batchSize,
                                sampler: RandomSampler(count: images.count, seed: seed), views: augmentation.views(channels: images.channels),
                                mean: data.mean, std: data.std, dropLast: true, seed: seed)
        try settings.optimization.resolveEpochs(task: task, labeled: nil, unlabeled: loader, resuming: request.resume != nil)
        let monitor = makeKNNMonitor(settings: settings.simclr, data: data, encoder: encoder.module, seed: seed)
        let experiment = try Experiment(settings: settings, defaultName: "simclr-\(settings.model.model.rawValue)",
                                        resume: request.resume)
        let monitorText = monitor.map { "kNN monitor: \($0.bank.sampler.indices(forEpoch: 0).count) labeled bank images, "
            + "\($0.queries.sampler.indices(forEpoch: 0).count) validation queries" } ?? "no kNN monitor"
        let encoderText = "\(settings.model.model.rawValue) (width \(settings.model.width), \(encoder.featureCount) features)"
        let dataText = "\(images.count) unlabeled \(settings.data.dataset.rawValue) images (\(images.channels)x\(images.height)x\(images.width))"
        let recipe = "batch \(settings.optimization.batchSize) x 2 views, \(settings.optimization.optimizer.rawValue), "
            + "\(settings.optimization.epochs) epochs, temperature \(settings.simclr.temperature), seed \(seed)"
        experiment.say("glean pretrain simclr: \(encoderText) on \(dataText), \(recipe); \(monitorText)")
        let info = CheckpointInfo(model: settings.model.model.rawValue, classCount: encoder.featureCount, inputChannels: images.channels,
                                  imageSize: images.height, mean: data.mean, std: data.std, classNames: data.trainingPool.classNames,
                                  width: settings.model.width, isEncoder: true)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, stepsPerEpoch: loader.batchCount(epoch: 0),
                                         monitor: monitor == nil ? nil : "val_knn_accuracy", checkpoint: info, restoreBest: false,
                                         extraCallbacks: [EncoderExport(directory: experiment.directory.path, info: info)])
        try experiment.fit(trainer, unlabeled: loader, validation: monitor, epochs: settings.optimization.epochs)
        var summary = ["encoder: \(experiment.directory.path)/encoder.safetensors (\(encoder.featureCount) features); "
                       + "projection head: \(experiment.directory.path)/projection_head.safetensors"]
        if data.test.classCount > 1 {
            let final = trainer.withEvaluationWeights {
                KNNValidation(encoder: encoder.module, bank: ClassificationLoaders.inOrder(data.labeled, data: data),
                              queries: ClassificationLoaders.inOrder(data.test, data: data), k: settings.simclr.knnK,
                              temperature: settings.simclr.knnTemperature).validate(network)
            }
            summary.append(String(format: "kNN test accuracy (k = %d, bank = the %d labeled training images): %.2f%% (top-5 %.2f%%)",
                                  settings.simclr.knnK, data.labeled.count, 100 * (final["knn_accuracy"] ?? 0), 100 * (final["knn_top5"] ?? 0)))
        }
        try experiment.report(title: "glean pretrain simclr: \(settings.model.model.rawValue) on \(settings.data.dataset.rawValue)",
                              summary: summary, confusion: nil, classNames: [])
    }
}

/// The kNN monitor of a pretraining run: a seeded subset of the labeled training images is
/// the bank, the validation images are the queries. Nil when the data has no classes or no
/// validation split, or when `knn-images` is 0.
func makeKNNMonitor(settings: SimCLROptions, data: ExperimentData, encoder: Module, seed: UInt64) -> KNNValidation? {
    guard settings.knnImages > 0, data.labeled.classCount > 1, let validation = data.validation else { return nil }
    var generator = RandomGenerator(seed: seed, stream: "knn-bank")
    let chosen = Array(Array(0..<data.labeled.count).shuffled(using: &generator).prefix(settings.knnImages)).sorted()
    return KNNValidation(encoder: encoder, bank: ClassificationLoaders.inOrder(data.labeled.subset(chosen), data: data),
                         queries: ClassificationLoaders.inOrder(validation, data: data), k: settings.knnK,
                         temperature: settings.knnTemperature)
}

/// Writes the encoder and the projection head of a SimCLR network as separate checkpoints
/// after every epoch (the weights validation saw: the average when one is kept).
final class EncoderExport: Callback {
    let directory: String
    let info: CheckpointInfo

    init(directory: String, info: CheckpointInfo) {
        self.directory = directory
        self.info = info
    }

    func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        let state = context.evaluationStateDict()
        func part(_ prefix: String) -> [(String, StoredTensor)] {
            state.filter { $0.0.hasPrefix(prefix) }.map { (String($0.0.dropFirst(prefix.count)), $0.1) }
        }
        var metadata = info.metadata
        metadata["epoch"] = String(context.epoch + 1)
        try SafeTensors.write(part("encoder."), metadata: metadata, to: directory + "/encoder.safetensors")
        try SafeTensors.write(part("projector."), metadata: ["epoch": String(context.epoch + 1), "kind": "projection_head"],
                              to: directory + "/projection_head.safetensors")
    }
}
