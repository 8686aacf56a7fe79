import Foundation
import GleanConfig
import Glean

/// Distillation's own options.
public struct DistillOptions: Equatable {
    public var teacher = ""
    public var temperature: Float = 4
    public var alpha: Float = 0.9
    public var targets = Targets.labeled

    public enum Targets: String, OptionChoice {
        /// Labeled images: soft teacher targets mixed with the labels by alpha.
        case labeled
        /// Every unlabeled training image with the teacher's soft labels as the only targets.
        case unlabeled
    }

    public init() {}

    public static let options: [OptionSpec<DistillOptions>] = [
        .value("teacher", \.teacher, "Teacher classifier checkpoint (best.safetensors of glean train, finetune or linear-eval)."),
        .value("temperature", \.temperature, "Softening temperature T of both teacher and student probabilities."),
        .value("alpha", \.alpha, "Weight of the distillation term (1 - alpha weighs the labels' cross-entropy)."),
        .value("targets", \.targets, "labeled: the labeled images with soft targets and labels; unlabeled: every training image except validation, teacher's soft labels only."),
    ]

    public func validate(source: String) throws {
        try check(!teacher.isEmpty, source, "teacher", "is required: a classifier checkpoint")
        try check(temperature > 0, source, "temperature", "must be positive, got \(temperature)")
        try check(alpha >= 0 && alpha <= 1, source, "alpha", "must be in [0, 1], got \(alpha)")
    }
}

/// Everything `glean distill` can be told.
public struct DistillSettings: CommandSettings {
    public var distill = DistillOptions()
    public var data = DataOptions()
    public var model = ModelOptions()
    public var optimization = OptimizationOptions()
    public var run = RunOptions()

    public init() {
        optimization.epochs = 10
        optimization.optimizer = .adam
        optimization.learningRate = 1e-3
        optimization.weightDecay = 0
    }

    public static let options: [OptionSpec<DistillSettings>] = DistillOptions.options.lifted(\.distill) + DataOptions.options.lifted(\.data)
        + ModelOptions.options.lifted(\.model) + ModelOptions.initialisationOptions.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization) + RunOptions.options.lifted(\.run) + RunOptions.trainingOptions.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Distillation", "teacher"), ("Data", "dataset"), ("Student", "model"),
                                                                 ("Optimization", "epochs"), ("Run", "seed")]

    public func validate(source: String) throws {
        try distill.validate(source: source)
        try data.validate(source: source)
        try optimization.validate(source: source)
    }
}

/// `glean distill`: trains a student model to match a teacher classifier's softened
/// probabilities, on the labeled images (mixed with their labels) or on the unlabeled pool.
public struct DistillRun {
    public let request: CommandLineRequest<DistillSettings>

    public init(_ request: CommandLineRequest<DistillSettings>) { self.request = request }

    public func run() throws {
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed)
        let labeled = data.labeled
        let teacherPath = settings.distill.teacher
        let (teacherTensors, teacherMetadata) = try SafeTensors.read(teacherPath)
        let teacherInfo = try CheckpointInfo(metadata: teacherMetadata, path: teacherPath)
        try teacherInfo.requireClassifier(teacherPath)
        try teacherInfo.check(fits: data.test, checkpoint: teacherPath)
        let teacher = try teacherInfo.loadModel(from: teacherTensors, path: teacherPath)
        let student = try settings.model.make(classCount: labeled.classCount, channels: labeled.channels, imageSize: labeled.height, seed: seed)
        let fromUnlabeled = settings.distill.targets == .unlabeled
        let task = Distillation(student: student, teacher: teacher, temperature: settings.distill.temperature, alpha: settings.distill.alpha,
                                fromUnlabeled: fromUnlabeled,
                                teacherInput: Distillation.renormalization(mean: data.mean, std: data.std, teacherMean: teacherInfo.mean,
                                                                           teacherStd: teacherInfo.std))
        let loaders = ClassificationLoaders(data: data, batchSize: settings.optimization.batchSize,
                                            transform: settings.data.transform(for: labeled), sampler: settings.data.sampler,
                                            stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: seed)
        let unlabeled = fromUnlabeled ? settings.optimization.epochs(of: DataLoader(
            dataset: data.unlabeled, batchSize: settings.optimization.batchSize, sampler: RandomSampler(count: data.unlabeled.count, seed: seed),
            transform: settings.data.transform(for: labeled), mean: data.mean, std: data.std,
            dropLast: data.unlabeled.count >= settings.optimization.batchSize, seed: seed)) : nil
        let epochSource: BatchSource = unlabeled ?? loaders.labeled
        try settings.optimization.resolveEpochs(task: task, labeled: loaders.labeled, unlabeled: unlabeled, resuming: request.resume != nil, precision: settings.run.precision)
        let experiment = try Experiment(settings: settings,
                                        defaultName: "distill-\(settings.model.model.rawValue)", resume: request.resume)
        experiment.say("glean distill: teacher \(teacherInfo.model) from \(teacherPath) -> student \(settings.model.model.rawValue)\(settings.model.initialisationNote); "
                       + (fromUnlabeled ? "soft labels on \(data.unlabeled.count) unlabeled images (no labels in the loss)"
                                        : "\(settings.data.describe(data)), alpha \(settings.distill.alpha)")
                       + "; T \(settings.distill.temperature), \(settings.optimization.epochs) epochs")
        let info = CheckpointInfo.classifier(settings.model, data: data)
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, stepsPerEpoch: epochSource.batchCount(epoch: 0),
                                         monitor: loaders.monitor, checkpoint: info)
        try experiment.fit(trainer, labeled: fromUnlabeled ? nil : loaders.labeled, unlabeled: unlabeled,
                           validation: loaders.validation.map(ClassificationValidation.init), epochs: settings.optimization.epochs)
        let teacherTest = try ClassificationValidation.evaluate(teacher, on: ClassificationLoaders.inOrder(data.test, data: data.renormalized(teacherInfo)))
        try experiment.reportTest(trainer, test: loaders.test, data: data, title: "glean distill: \(settings.model.model.rawValue) from \(teacherInfo.model)",
                                  extraSummary: [String(format: "teacher's test accuracy: %.2f%%", 100 * (teacherTest.metrics["accuracy"] ?? 0))])
    }
}
