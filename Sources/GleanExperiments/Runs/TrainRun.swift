import Foundation
import GleanConfig
import Glean

/// Everything `glean train` can be told.
public struct TrainSettings: CommandSettings {
    public var data = DataOptions()
    public var model = ModelOptions()
    public var optimization = OptimizationOptions()
    public var loss = LossOptions()
    public var run = RunOptions()

    public init() {}

    public static let options: [OptionSpec<TrainSettings>] = DataOptions.options.lifted(\.data) + ModelOptions.options.lifted(\.model)
        + ModelOptions.initialisationOptions.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization)
        + LossOptions.options.lifted(\.loss) + RunOptions.options.lifted(\.run) + RunOptions.trainingOptions.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Data", "dataset"), ("Model", "model"), ("Optimization", "epochs"),
                           ("Loss", "label-smoothing"), ("Run", "seed")]

    public func validate(source: String) throws {
        try data.validate(source: source, batchMixing: true)
        try optimization.validate(source: source)
        try loss.validate(source: source)
        try check(!data.augmentation.mixesBatches || loss.classWeights == .none, source, "class-weights", "does not combine with mixup or cutmix")
    }
}

/// `glean train`: supervised training of a zoo model on labeled images.
public struct TrainRun {
    public let request: CommandLineRequest<TrainSettings>

    public init(_ request: CommandLineRequest<TrainSettings>) { self.request = request }

    /// Runs (or resumes) the training `request` describes.
    @discardableResult
    public func run() throws -> RunOutcome {
        var settings = request.settings
        let resume = request.resume
        let data = try settings.data.load(seed: settings.run.seed)
        let labeled = data.labeled
        let network = try settings.model.make(classCount: labeled.classCount, channels: labeled.channels,
                                              imageSize: labeled.height, seed: settings.run.seed)
        let task = settings.loss.task(model: network, labeled: labeled,
                                      mixing: settings.data.augmentation.batchMixing(classCount: labeled.classCount), seed: settings.run.seed)
        let loaders = ClassificationLoaders(data: data, batchSize: settings.optimization.batchSize,
                                            transform: settings.data.transform(for: labeled), sampler: settings.data.sampler,
                                            stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: settings.run.seed)
        try settings.optimization.resolveEpochs(task: task, labeled: loaders.labeled, unlabeled: nil, resuming: resume != nil, precision: settings.run.precision)
        let experiment = try Experiment(settings: settings, defaultName: settings.model.model.rawValue,
                                        resume: resume)
        experiment.say("glean train: \(settings.model.model.rawValue)\(settings.model.initialisationNote) on \(settings.data.dataset.rawValue) "
            + "(\(labeled.channels)x\(labeled.height)x\(labeled.width)); \(settings.data.describe(data)); "
            + "\(data.test.count) test images; \(settings.optimization.optimizer.rawValue), augment \(settings.data.augmentation.augment.optionText), "
            + "\(settings.optimization.epochs) epochs, seed \(settings.run.seed)")
        let info = CheckpointInfo.classifier(settings.model, data: data)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization,
                                         stepsPerEpoch: loaders.labeled.batchCount(epoch: 0),
                                         monitor: loaders.monitor, checkpoint: info)
        try experiment.fit(trainer, labeled: loaders.labeled, validation: loaders.validation.map(ClassificationValidation.init),
                           epochs: settings.optimization.epochs)
        return try experiment.reportTest(trainer, test: loaders.test, data: data,
                                  title: "glean train: \(settings.model.model.rawValue) on \(settings.data.dataset.rawValue)")
    }
}
