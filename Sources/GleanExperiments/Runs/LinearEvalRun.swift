import Foundation
import GleanConfig
import Glean

/// Everything `glean linear-eval` can be told.
public struct LinearEvalSettings: CommandSettings {
    public var encoder = EncoderOptions()
    public var data = DataOptions()
    public var model = ModelOptions.resNetEncoder
    public var optimization = OptimizationOptions()
    public var run = RunOptions()

    public init() {
        // On cached features an epoch is a fraction of a second; 30 epochs of Adam 1e-3 left a
        // SimCLR encoder's probe 2 points short of what 100 epochs of 1e-2 reach (84.90 -> 86.91%).
        optimization.epochs = 100
        optimization.batchSize = 256
        optimization.optimizer = .adam
        optimization.learningRate = 1e-2
        optimization.weightDecay = 0
    }

    public static let options: [OptionSpec<LinearEvalSettings>] = EncoderOptions.options.lifted(\.encoder) + DataOptions.options.lifted(\.data)
        + ModelOptions.options.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization) + RunOptions.options.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Encoder", "encoder"), ("Data", "dataset"),
                                                                 ("Model of --encoder random", "model"), ("Optimization", "epochs"), ("Run", "seed")]

    public func validate(source: String) throws {
        try encoder.validate(source: source)
        try data.validate(source: source)
        try optimization.validate(source: source)
    }
}

/// `glean linear-eval`: freezes an encoder and trains a linear classifier on its features,
/// reporting top-1/top-5 per epoch on the validation images and once on the test split.
/// Without augmentation the features are computed once and the classifier trains on them.
public struct LinearEvalRun {
    public let request: CommandLineRequest<LinearEvalSettings>

    public init(_ request: CommandLineRequest<LinearEvalSettings>) { self.request = request }

    public func run() throws {
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed)
        let labeled = data.labeled
        let (encoder, model, description) = try settings.encoder.load(model: settings.model, channels: labeled.channels,
                                                                      imageSize: labeled.height, seed: seed)
        var headGenerator = RandomGenerator(seed: seed, stream: "init/head")
        let head = Linear(encoder.featureCount, labeled.classCount, generator: &headGenerator)
        let batchSize = settings.optimization.batchSize
        let cached = settings.data.augmentation.augment.choices.isEmpty
        let task: SupervisedClassification, train: BatchSource, validation: BatchSource?, test: BatchSource
        let checkpointState: ([(String, StoredTensor)]) -> [(String, StoredTensor)]
        if cached {
            print("computing the encoder's features once: \(labeled.count) labeled, \(data.validation?.count ?? 0) validation, "
                  + "\(data.test.count) test images")
            let features = { FeatureSet.extract(encoder.module, from: ClassificationLoaders.inOrder($0, data: data)) }
            let labeledFeatures = features(labeled)
            train = FeatureLoader(labeledFeatures, batchSize: batchSize, sampler: settings.data.sampler == .balanced
                                        ? WeightedRandomSampler.classBalanced(labels: labeled.labels, seed: seed) : RandomSampler(count: labeled.count, seed: seed),
                                  dropLast: labeled.count >= batchSize)
            validation = data.validation.map { FeatureLoader(features($0), batchSize: 1000, sampler: SequentialSampler(count: $0.count)) }
            test = FeatureLoader(features(data.test), batchSize: 1000, sampler: SequentialSampler(count: data.test.count))
            task = SupervisedClassification(model: head)
            let encoderState = encoder.module.stateDict()
            checkpointState = { headState in encoderState + headState.map { (encoder.headPrefix + $0.0, $0.1) } }
        } else {
            let loaders = ClassificationLoaders(data: data, batchSize: batchSize, transform: settings.data.transform(for: labeled),
                                                sampler: settings.data.sampler,
                                                stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: seed)
            (train, validation, test) = (loaders.labeled, loaders.validation, loaders.test)
            task = SupervisedClassification(model: FrozenEncoderClassifier(encoder: encoder.module, head: head))
            checkpointState = { state in
                state.map { name, tensor in
                    (name.hasPrefix("encoder.") ? String(name.dropFirst(8)) : encoder.headPrefix + name.dropFirst(5), tensor)
                }
            }
        }
        try settings.optimization.resolveEpochs(task: task, labeled: train, unlabeled: nil, resuming: request.resume != nil, precision: settings.run.precision)
        let experiment = try Experiment(settings: settings, defaultName: "linear-eval", resume: request.resume)
        experiment.say("glean linear-eval: \(description), \(encoder.featureCount) features, "
                       + (cached ? "cached (no augmentation)" : "augment \(settings.data.augmentation.augment.optionText)")
                       + "; \(settings.data.describe(data)); \(settings.optimization.optimizer.rawValue), \(settings.optimization.epochs) epochs")
        let info = CheckpointInfo.classifier(model, data: data)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, stepsPerEpoch: train.batchCount(epoch: 0),
                                         monitor: validation == nil ? nil : "val_accuracy", checkpoint: info,
                                         checkpointState: checkpointState)
        try experiment.fit(trainer, labeled: train, validation: validation.map(ClassificationValidation.init),
                           epochs: settings.optimization.epochs)
        try experiment.reportTest(trainer, test: test, data: data, title: "glean linear-eval: \(description)",
                                  extraSummary: ["classifier (encoder + linear head, loads with glean evaluate): \(experiment.directory.path)/"
                                                 + settings.optimization.finalCheckpoint(hasValidation: validation != nil)])
    }
}
