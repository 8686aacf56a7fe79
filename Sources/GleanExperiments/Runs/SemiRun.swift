import Foundation
import GleanConfig
import Glean

/// Everything `glean semi` can be told.
public struct SemiSettings: CommandSettings {
    public var semi = SemiOptions()
    public var data = DataOptions()
    public var model = ModelOptions()
    public var optimization = OptimizationOptions()
    public var run = RunOptions()

    /// USB's FixMatch recipe where it fits a CPU: batch 64, SGD with Nesterov momentum 0.9,
    /// rate 0.03, weight decay 5e-4, cosine decay, EMA 0.999; 100 labels per class with 10 per
    /// class for validation.
    public init() {
        optimization.batchSize = 64
        optimization.optimizer = .nesterov
        optimization.learningRate = 0.03
        optimization.emaDecay = 0.999
        data.labelsPerClass = 100
        data.validationPerClass = 10
    }

    public static let options: [OptionSpec<SemiSettings>] = SemiOptions.options.lifted(\.semi) + DataOptions.options.lifted(\.data)
        + ModelOptions.options.lifted(\.model) + ModelOptions.initialisationOptions.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization) + RunOptions.options.lifted(\.run) + RunOptions.trainingOptions.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Method", "method"), ("Data", "dataset"), ("Model", "model"),
                                                                 ("Optimization", "epochs"), ("Run", "seed")]

    public func validate(source: String) throws {
        try semi.validate(source: source)
        try data.validate(source: source, batchMixing: true)
        try optimization.validate(source: source)
    }
}

/// `glean semi`: semi-supervised training on a few labeled images and the unlabeled rest of
/// the training images.
public struct SemiRun {
    public let request: CommandLineRequest<SemiSettings>

    public init(_ request: CommandLineRequest<SemiSettings>) { self.request = request }

    /// Runs (or resumes) the semi-supervised training `request` describes.
    @discardableResult
    public func run() throws -> RunOutcome {
        let data = try request.settings.data.load(seed: request.settings.run.seed)
        guard !data.unlabeled.labels.isEmpty, !data.unlabeledLabelsKnown || data.unlabeled.count > data.labeled.count else {
            throw ExperimentError("glean semi needs unlabeled images: every training image is labeled (set --labels-per-class, or --unlabeled-dir)")
        }
        var request = request
        let method = request.settings.semi.method
        if method == .auto {
            let perClass = Double(data.labelsUsed) / Double(max(data.labeled.classCount, 1))
            request.settings.semi.method = method.resolved(labelsPerClass: perClass)
            print(String(format: "method auto: %@ (%.1f labels per class; simclr-finetune at %.0f or fewer, else fixmatch)",
                         request.settings.semi.method.rawValue, perClass, SemiMethod.fewLabelsPerClass))
        }
        switch request.settings.semi.method {
        case .simclrFinetune: return try PretrainFinetuneRun(request: request).run()
        case let other where other.isSelfTraining: return try SelfTrainingRun(request: request, data: data).run()
        default: return try Self.runJointly(request, data: data)
        }
    }

    /// Online pseudo-labeling and FixMatch: one trainer over labeled and unlabeled batches.
    private static func runJointly(_ request: CommandLineRequest<SemiSettings>, data: ExperimentData) throws -> RunOutcome {
        var settings = request.settings
        let (semi, seed) = (settings.semi, settings.run.seed)
        let labeled = data.labeled
        let network = try settings.model.make(classCount: labeled.classCount, channels: labeled.channels, imageSize: labeled.height, seed: seed)
        let augmentation = semi.augmentation(imageSize: labeled.height, randAugment: settings.data.augmentation.randAugment)
        let isFixMatch = semi.method.usesStrongViews
        let loaders = ClassificationLoaders(data: data, batchSize: settings.optimization.batchSize,
                                            transform: isFixMatch ? augmentation.weak : settings.data.transform(for: labeled), sampler: settings.data.sampler,
                                            stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: seed)
        let unlabeledBatch = settings.optimization.batchSize * semi.resolvedUnlabeledRatio
        guard data.unlabeled.count >= unlabeledBatch else {
            throw ExperimentError("--batch-size x --unlabeled-ratio = \(unlabeledBatch) is more than the \(data.unlabeled.count) unlabeled images")
        }
        let unlabeled = settings.optimization.epochs(of: DataLoader(
            dataset: data.unlabeled, batchSize: unlabeledBatch, sampler: RandomSampler(count: data.unlabeled.count, seed: seed),
            transform: isFixMatch ? nil : settings.data.transform(for: labeled), views: isFixMatch ? augmentation.views : [],
            mean: data.mean, std: data.std, dropLast: true, seed: seed))
        let stepsPerEpoch = unlabeled.batchCount(epoch: 0)
        let alignment = try semi.distributionAlignment(for: labeled)
        // The online ramp is set in epochs, which a time budget fixes only after timing steps.
        func makeTask(epochs: Int) -> TrainingTask {
            isFixMatch ? FixMatch(model: network, threshold: semi.resolvedThreshold, unlabeledWeight: semi.unlabeledWeight,
                                  reportsPseudoLabelAccuracy: data.unlabeledLabelsKnown,
                                  flexibleThresholds: semi.method == .flexmatch
                                      ? FlexibleThresholds(threshold: semi.resolvedThreshold, classCount: labeled.classCount,
                                                           unlabeledCount: data.unlabeled.count, warmUp: semi.thresholdWarmup) : nil,
                                  distributionAlignment: alignment,
                                  labelsFromEvalPass: semi.pseudoLabelPass == .eval, mixing: settings.data.augmentation.mixingKind, seed: seed)
                : OnlinePseudoLabeling(model: network, ramp: semi.ramp(epochs: epochs, stepsPerEpoch: stepsPerEpoch),
                                       threshold: semi.resolvedThreshold, mixing: settings.data.augmentation.mixingKind,
                                       labelsFromEvalPass: semi.pseudoLabelPass == .eval, seed: seed,
                                       reportsPseudoLabelAccuracy: data.unlabeledLabelsKnown)
        }
        try settings.optimization.resolveEpochs(task: makeTask(epochs: settings.optimization.epochs), labeled: loaders.labeled,
                                                unlabeled: unlabeled, resuming: request.resume != nil, precision: settings.run.precision)
        let task = makeTask(epochs: settings.optimization.epochs)
        let experiment = try Experiment(settings: settings, defaultName: "\(semi.method.rawValue)-\(settings.model.model.rawValue)",
                                        resume: request.resume)
        let recipe = isFixMatch
            ? (semi.method == .flexmatch ? "per-class thresholds up to " : "threshold ") + "\(semi.resolvedThreshold), lambda_u \(semi.unlabeledWeight), weak = flip + translate, strong = + RandAugment(\(settings.data.augmentation.randAugmentCount), \(settings.data.augmentation.randAugmentMagnitude)) + cutout"
              + ((task as? FixMatch)?.labelsFromEvalPass == true ? ", pseudo-labels from an eval-mode pass over the weak view" : "")
              + (semi.distributionAlignment ? ", distribution alignment to the labeled classes" : "")
            : "alpha 0 -> \(semi.pseudoWeight) from step \((task as? OnlinePseudoLabeling)?.ramp.start ?? 0) "
              + "to \((task as? OnlinePseudoLabeling)?.ramp.end ?? 0), threshold \(semi.resolvedThreshold)"
              + ((task as? OnlinePseudoLabeling)?.labelsFromEvalPass == true ? ", pseudo-labels from an eval-mode pass" : "")
        let mixingNote = settings.data.augmentation.mixingKind.map { ", \($0) of labeled and of pseudo-labeled batches" } ?? ""
        experiment.say("glean semi --method \(semi.method.rawValue): \(settings.model.model.rawValue)\(settings.model.initialisationNote) on \(settings.data.dataset.rawValue); "
            + "\(settings.data.describe(data)); \(data.unlabeled.count) unlabeled images (mu \(semi.resolvedUnlabeledRatio)); \(recipe)\(mixingNote); "
            + "\(settings.optimization.optimizer.rawValue) lr \(settings.optimization.learningRate), EMA \(settings.optimization.emaDecay), "
            + "\(settings.optimization.epochs) epochs of \(stepsPerEpoch) steps, seed \(seed)")
        let collapse = CollapseMonitor(classCount: labeled.classCount)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, stepsPerEpoch: stepsPerEpoch,
                                         monitor: loaders.monitor, checkpoint: CheckpointInfo.classifier(settings.model, data: data),
                                         extraCallbacks: [collapse], replanned: (task as? OnlinePseudoLabeling).map { pseudoLabeling in
                                             { epochs in pseudoLabeling.ramp = semi.ramp(epochs: epochs, stepsPerEpoch: stepsPerEpoch) }
                                         })
        try experiment.fit(trainer, labeled: loaders.labeled, unlabeled: unlabeled,
                           validation: loaders.validation.map(ClassificationValidation.init), epochs: settings.optimization.epochs)
        let warnings = collapse.finding.map { ["warning: \($0); the run stopped there"] } ?? []
        warnings.forEach(experiment.say)
        return try experiment.reportTest(trainer, test: loaders.test, data: data,
                                  title: "glean semi --method \(semi.method.rawValue): \(settings.model.model.rawValue)", extraSummary: warnings)
    }
}
