import Foundation
import GleanConfig
import Glean

/// Fine-tuning's own options: the new head, what stays frozen, and the learning-rate spread.
public struct FinetuneOptions: Equatable {
    public var head = HeadChoice.linear
    public var headHidden = 256
    public var headDropout: Float = 0.4
    public var freezeFirst = 0
    public var freezePrefix = ""
    public var frozenEpochs = 1
    public var backboneLrScale: Float = 0.1
    public var labelSmoothing: Float = 0

    public enum HeadChoice: String, OptionChoice { case linear, mlp }

    public init() {}

    public static let options: [OptionSpec<FinetuneOptions>] = [
        .value("head", \.head, "New classifier: linear, or mlp = Linear-ReLU-Dropout-Linear-LogSoftmax (the source documents' transfer head)."),
        .value("head-hidden", \.headHidden, "Hidden width of the mlp head."),
        .value("head-dropout", \.headDropout, "Dropout of the mlp head."),
        .value("freeze-first", \.freezeFirst, "Keep the first N parameter tensors of the model frozen for the whole run."),
        .value("freeze-prefix", \.freezePrefix, "Keep parameters whose names start with these comma-separated prefixes frozen (e.g. 'conv1,bn1,layer1')."),
        .value("frozen-epochs", \.frozenEpochs, "First train only the head for this many epochs, then unfreeze the backbone (fastai's fine_tune)."),
        .value("backbone-lr-scale", \.backboneLrScale, "Discriminative rates: the earliest backbone stage trains at this fraction of the learning rate, rising geometrically to the full rate at the head (1 = one rate)."),
        .value("label-smoothing", \.labelSmoothing, "Label smoothing of the cross-entropy, in [0, 1)."),
    ]

    public func validate(source: String) throws {
        try check(headHidden > 0 && headHidden <= 65_536, source, "head-hidden", "must be in 1...65536, got \(headHidden)")
        try check(headDropout >= 0 && headDropout < 1, source, "head-dropout", "must be in [0, 1), got \(headDropout)")
        try check(freezeFirst >= 0, source, "freeze-first", "must be >= 0, got \(freezeFirst)")
        try check(frozenEpochs >= 0, source, "frozen-epochs", "must be >= 0, got \(frozenEpochs)")
        try check(backboneLrScale > 0 && backboneLrScale <= 1, source, "backbone-lr-scale", "must be in (0, 1], got \(backboneLrScale)")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, source, "label-smoothing", "must be in [0, 1), got \(labelSmoothing)")
    }

    public var zooHead: ModelZoo.Head { head == .linear ? .linear : .mlp(hidden: headHidden, dropout: headDropout) }
}

/// Everything `glean finetune` can be told.
public struct FinetuneSettings: CommandSettings {
    public var encoder = EncoderOptions()
    public var data = DataOptions()
    public var model = ModelOptions.resNetEncoder
    public var optimization = OptimizationOptions()
    public var finetune = FinetuneOptions()
    public var run = RunOptions()

    public init() {
        optimization.epochs = 20
        optimization.batchSize = 64
        optimization.optimizer = .adam
        optimization.learningRate = 1e-3
        optimization.weightDecay = 1e-4
        data.augmentation.augment = AugmentList([.flipCrop])
    }

    public static let options: [OptionSpec<FinetuneSettings>] = EncoderOptions.options.lifted(\.encoder) + DataOptions.options.lifted(\.data)
        + ModelOptions.options.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization)
        + FinetuneOptions.options.lifted(\.finetune) + RunOptions.options.lifted(\.run) + RunOptions.trainingOptions.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Start from", "encoder"), ("Data", "dataset"),
                                                                 ("Model of --encoder random", "model"), ("Optimization", "epochs"),
                                                                 ("Fine-tuning", "head"), ("Run", "seed")]

    public func validate(source: String) throws {
        try encoder.validate(source: source)
        try data.validate(source: source)
        try optimization.validate(source: source)
        try finetune.validate(source: source)
        try check(finetune.frozenEpochs < optimization.epochs || optimization.minutes > 0, source, "frozen-epochs",
                  "must be below --epochs (\(optimization.epochs)) so that the backbone trains at all, got \(finetune.frozenEpochs)")
    }
}

/// `glean finetune`: a pretrained backbone (Glean's encoder or classifier checkpoint, or a
/// torchvision/timm state dict) gets a new head for the data's classes and is trained:
/// head first, then everything with discriminative rates. `--encoder random` gives the
/// from-scratch baseline with the same recipe.
public struct FinetuneRun {
    public let request: CommandLineRequest<FinetuneSettings>

    public init(_ request: CommandLineRequest<FinetuneSettings>) { self.request = request }

    public func run() throws {
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed)
        let labeled = data.labeled
        let (encoder, model, description) = try settings.encoder.load(model: settings.model, channels: labeled.channels,
                                                                      imageSize: labeled.height, seed: seed)
        var initGenerator = RandomGenerator(seed: seed, stream: "init")
        let network = try ModelZoo.make(model.model.rawValue, classCount: labeled.classCount, inputChannels: labeled.channels,
                                        imageSize: labeled.height, width: model.width, head: settings.finetune.zooHead,
                                        stochasticDepth: model.stochasticDepth, dropout: model.dropout, generator: &initGenerator)
        try EncoderOptions.transplant(encoder, into: network, path: settings.encoder.encoder)
        let frozenForGood = Self.frozenParameters(network, settings: settings.finetune)
        frozenForGood.forEach { $0.isTrainable = false }
        let frozenIDs = Set(frozenForGood.map(ObjectIdentifier.init))
        let backbone = network.namedParameters().filter { !$0.0.hasPrefix(encoder.headPrefix) && !frozenIDs.contains(ObjectIdentifier($0.1)) }
            .map(\.1)
        let task = FineTuning(model: network, backbone: backbone, frozenEpochs: settings.finetune.frozenEpochs,
                              labelSmoothing: settings.finetune.labelSmoothing)
        let loaders = ClassificationLoaders(data: data, batchSize: settings.optimization.batchSize,
                                            transform: settings.data.transform(for: labeled), sampler: settings.data.sampler,
                                            stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: seed)
        try settings.optimization.resolveEpochs(task: task, labeled: loaders.labeled, unlabeled: nil, resuming: request.resume != nil, precision: settings.run.precision)
        let experiment = try Experiment(settings: settings, defaultName: "finetune",
                                        resume: request.resume)
        experiment.say("glean finetune: \(description) -> \(labeled.classCount) classes with a \(settings.finetune.zooHead.name) head; "
                       + "\(settings.data.describe(data)); \(frozenForGood.count) tensors frozen for good, head-only for "
                       + "\(settings.finetune.frozenEpochs) epochs, backbone rates from x\(settings.finetune.backboneLrScale); "
                       + "\(settings.optimization.optimizer.rawValue), \(settings.optimization.epochs) epochs")
        let info = CheckpointInfo.classifier(model, data: data, head: settings.finetune.zooHead)
        let groups = DiscriminativeRates.groups(network, headPrefix: encoder.headPrefix, lowestScale: settings.finetune.backboneLrScale)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, groups: groups,
                                         stepsPerEpoch: loaders.labeled.batchCount(epoch: 0),
                                         monitor: loaders.monitor, checkpoint: info)
        try experiment.fit(trainer, labeled: loaders.labeled, validation: loaders.validation.map(ClassificationValidation.init),
                           epochs: settings.optimization.epochs)
        try experiment.reportTest(trainer, test: loaders.test, data: data, title: "glean finetune: \(description)")
    }

    /// Parameters that `--freeze-first` and `--freeze-prefix` keep frozen for the whole run.
    public static func frozenParameters(_ network: Module, settings: FinetuneOptions) -> [Parameter] {
        let prefixes = settings.freezePrefix.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return network.namedParameters().enumerated().filter { index, entry in
            index < settings.freezeFirst || prefixes.contains { entry.0.hasPrefix($0) }
        }.map(\.element.1)
    }
}
