import Foundation
import GleanConfig
import Glean

/// Everything `glean pretrain simclr` can be told.
public struct SimCLRSettings: CommandSettings {
    public var data = DataOptions()
    public var model = ModelOptions.resNetEncoder
    public var optimization = OptimizationOptions()
    public var simclr = SimCLROptions()
    public var run = RunOptions()

    public init() {
        optimization.epochs = 20
        optimization.batchSize = 256
        optimization.optimizer = .adam
        optimization.learningRate = 1e-3
        optimization.weightDecay = 1e-6
        optimization.warmupEpochs = 1
    }

    public static let options: [OptionSpec<SimCLRSettings>] = DataOptions.options.lifted(\.data) + ModelOptions.options.lifted(\.model)
        + OptimizationOptions.options.lifted(\.optimization) + SimCLROptions.options.lifted(\.simclr) + RunOptions.options.lifted(\.run) + RunOptions.trainingOptions.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Data", "dataset"), ("Encoder", "model"), ("Optimization", "epochs"),
                                                                 ("SimCLR", "temperature"), ("Run", "seed")]

    public func validate(source: String) throws {
        try data.validate(source: source)
        try optimization.validate(source: source)
        try simclr.validate(source: source)
    }

    /// Takes the settings the user left out (not in `given`) from `recipe`, chosen for the
    /// data, and k of the kNN read-out for the labeled `bank`; returns what it chose, one
    /// `key value` each, for the run's first line (`config.yaml` holds the result).
    public mutating func adopt(_ recipe: SimCLRRecipe, bank: ImageDataset, given: Set<String>) -> [String] {
        var chosen: [String] = []
        func take<Value: OptionValue>(_ key: String, _ path: WritableKeyPath<SimCLRSettings, Value>, _ value: Value) {
            guard !given.contains(key) else { return }
            self[keyPath: path] = value
            chosen.append("\(key) \(value.optionText)")
        }
        if model.model.isResNet { take("width", \.model.widthOption, recipe.width) }
        take("view-size", \.simclr.viewSize, recipe.viewSize)
        take("temperature", \.simclr.temperature, recipe.temperature)
        take("batch-size", \.optimization.batchSize, recipe.batchSize)
        take("learning-rate", \.optimization.learningRate, recipe.learningRate)
        if !given.contains("minutes") { take("epochs", \.optimization.epochs, recipe.epochs) }
        take("color-jitter", \.data.augmentation.colorJitter, recipe.colorJitter)
        if bank.channels == 3 { take("grayscale-probability", \.simclr.grayscaleProbability, recipe.grayscaleProbability) }
        if bank.classCount > 1 { take("knn-k", \.simclr.knn.k, simclr.knn.k(for: bank)) }
        return chosen
    }
}

/// What a pretraining run left: its folder and the encoder a classifier can start from.
public struct PretrainOutcome {
    public let directory: String
    /// `<directory>/encoder.safetensors`.
    public let encoder: String
    /// The encoder's zoo model and width (a classifier started from it must be the same).
    public let model: ModelZoo.Name
    public let width: Int
}

/// `glean pretrain simclr`: SimCLR on every training image (labels unused), with a kNN
/// monitor on the validation images; writes `encoder.safetensors` and
/// `projection_head.safetensors` after every epoch.
public struct SimCLRRun {
    public let request: CommandLineRequest<SimCLRSettings>

    public init(_ request: CommandLineRequest<SimCLRSettings>) { self.request = request }

    @discardableResult
    public func run() throws -> PretrainOutcome {
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed, needsClasses: false)
        // Labels are not used: every training image, and for a folder of unlabeled images the
        // held-out "test" images too (there is nothing to test on), and the --unlabeled-dir images.
        var images = data.test.classCount > 1 ? data.trainingPool : data.trainingPool.appending(data.test)
        if !data.unlabeledLabelsKnown { images = images.appending(data.unlabeled) }
        let recipe = SimCLRRecipe(imageCount: images.count, imageSize: images.height, channels: images.channels)
        let chosen = request.resume == nil ? settings.adopt(recipe, bank: data.labeled, given: request.given) : []
        let encoder = try settings.model.makeEncoder(channels: images.channels, imageSize: images.height, seed: seed)
        var headGenerator = RandomGenerator(seed: seed, stream: "init/projector")
        let network = SimCLRNetwork(encoder: encoder.module, featureCount: encoder.featureCount,
                                    hiddenCount: settings.simclr.projectionHidden > 0 ? settings.simclr.projectionHidden : encoder.featureCount,
                                    projectionCount: settings.simclr.projectionDim, generator: &headGenerator)
        let task = SimCLR(network: network, temperature: settings.simclr.temperature)
        let augmentation = settings.simclr.augmentation(imageSize: images.height, colorJitter: settings.data.augmentation.colorJitter)
        guard images.count >= settings.optimization.batchSize else {
            throw ExperimentError("--batch-size \(settings.optimization.batchSize) is larger than the \(images.count) training images")
        }
        let loader = settings.optimization.epochs(of: DataLoader(
            dataset: images, batchSize: settings.optimization.batchSize, sampler: RandomSampler(count: images.count, seed: seed),
            views: augmentation.views(channels: images.channels), mean: data.mean, std: data.std, dropLast: true, seed: seed))
        try settings.optimization.resolveEpochs(task: task, labeled: nil, unlabeled: loader, resuming: request.resume != nil, precision: settings.run.precision)
        let monitor = settings.simclr.knnMonitor(data: data, encoder: encoder.module, seed: seed)
        let experiment = try Experiment(settings: settings, defaultName: "simclr-\(settings.model.model.rawValue)",
                                        resume: request.resume)
        let monitorText = monitor.map { "kNN monitor: \($0.bank.sampler.indices(forEpoch: 0).count) labeled bank images, "
            + "\($0.queries.sampler.indices(forEpoch: 0).count) validation queries, "
            + settings.simclr.knn.features.describe(encoder.module, pooledWidth: encoder.featureCount) } ?? "no kNN monitor"
        let encoderText = "\(settings.model.model.rawValue) (width \(settings.model.width), \(encoder.featureCount) features)"
        let dataText = "\(images.count) unlabeled \(settings.data.dataset.rawValue) images (\(images.channels)x\(images.height)x\(images.width))"
        let recipeText = "batch \(settings.optimization.batchSize) x 2 views of \(augmentation.viewSize) px, \(settings.optimization.optimizer.rawValue), "
            + "\(settings.optimization.epochs) epochs, temperature \(settings.simclr.temperature), seed \(seed)"
        experiment.say("glean pretrain simclr: \(encoderText) on \(dataText), \(recipeText); \(monitorText)")
        if !chosen.isEmpty {
            experiment.say("chosen for \(images.count) images of \(images.height) px (SimCLRRecipe; set any of them to override): "
                           + chosen.joined(separator: ", "))
        }
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
            let knn = trainer.withEvaluationWeights { settings.simclr.knn.evaluate(encoder: encoder.module, data: data) }
            summary += [knn.summary] + experiment.pixelBaseline(data: data, method: "kNN on the encoder", top1: knn.top1, k: knn.k,
                                                                 always: true)
        }
        try experiment.report(title: "glean pretrain simclr: \(settings.model.model.rawValue) on \(settings.data.dataset.rawValue)",
                              summary: summary, confusion: nil, classNames: [])
        return PretrainOutcome(directory: experiment.directory.path, encoder: experiment.directory.path + "/encoder.safetensors",
                               model: settings.model.model, width: settings.model.width)
    }
}
