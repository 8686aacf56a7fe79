import Foundation
import Glean

/// Optimizers the command line offers.
public enum OptimizerChoice: String, OptionChoice {
    case sgd, nesterov, adam, adamw, lars
}

/// Learning-rate schedules the command line offers.
public enum ScheduleChoice: String, OptionChoice {
    case cosine, onecycle, constant, plateau
}

/// Which weights a run ends with and reports on the test split.
public enum FinalWeightsChoice: String, OptionChoice {
    case best, last
}

/// How long and how a command optimises: epochs or a time budget, batch size, optimizer,
/// rate and schedule, early stopping and weight averaging.
public struct OptimizationOptions: Equatable {
    public var epochs = 5
    public var stepsPerEpoch = 0
    public var minutes: Double = 0
    public var batchSize = 128
    public var optimizer = OptimizerChoice.sgd
    public var learningRate: Float = 0.05
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    public var schedule = ScheduleChoice.cosine
    public var warmupEpochs = 0
    public var earlyStoppingPatience = 0
    public var emaDecay: Float = 0
    public var finalWeights = FinalWeightsChoice.best
    public var plateauFactor: Float = 0.5
    public var plateauPatience = 3
    /// When `resolveEpochs` began timing a budgeted run (not an option): the re-plan counts the
    /// budget from here.
    public var budgetStart: Date?
    public var minimumLearningRate: Float = 1e-5

    public init() {}

    public static let options: [OptionSpec<OptimizationOptions>] = [
        .value("epochs", \.epochs, "Training epochs."),
        .value("steps-per-epoch", \.stepsPerEpoch, "Optimizer steps per epoch, cut from an endless stream of batches (0 = one pass over the training images; for few labels or short budgets, e.g. 200)."),
        .value("minutes", \.minutes, "Time budget: when > 0, the epochs are chosen from a timing of the first steps so that training ends within it (the chosen count goes into config.yaml)."),
        .value("batch-size", \.batchSize, "Images per batch."),
        .value("optimizer", \.optimizer, "Optimizer (nesterov = SGD with Nesterov momentum; lars for large-batch SimCLR)."),
        .value("learning-rate", \.learningRate, "Peak learning rate."),
        .value("momentum", \.momentum, "Momentum of SGD, Nesterov and LARS."),
        .value("weight-decay", \.weightDecay, "Weight decay (decoupled for adamw)."),
        .value("schedule", \.schedule, "Learning-rate schedule over the whole run (plateau: Keras' ReduceLROnPlateau on the validation loss, else the training loss)."),
        .value("warmup-epochs", \.warmupEpochs, "Linear warm-up epochs before the cosine decay (at most all but the last epoch: a one-epoch run has none)."),
        .value("early-stopping-patience", \.earlyStoppingPatience, "Stop after this many epochs without validation improvement and keep the best weights (0 = off)."),
        .value("plateau-factor", \.plateauFactor, "plateau: multiply the rate by this after a plateau."),
        .value("plateau-patience", \.plateauPatience, "plateau: epochs without improvement before the rate drops."),
        .value("min-learning-rate", \.minimumLearningRate, "plateau: the rate never drops below this."),
        .value("ema-decay", \.emaDecay, "Keep an exponential moving average of the weights with this decay (e.g. 0.999) and validate, checkpoint and report with it (0 = off)."),
        .value("final-weights", \.finalWeights, "Weights the run ends with and reports on the test split: best (the epoch with the best validation metric; the last without validation images) or last (the last epoch's; where a small validation set is flat for many epochs its best epoch is noise). best.safetensors and last.safetensors are written either way."),
    ]

    /// Whether the run ends with its best validation epoch's weights (where it has validation).
    public var keepsBestWeights: Bool { finalWeights == .best }

    /// The checkpoint file a finished run's final weights are in.
    public func finalCheckpoint(hasValidation: Bool) -> String { hasValidation && keepsBestWeights ? "best.safetensors" : "last.safetensors" }

    public func validate(source: String) throws {
        try check(epochs > 0 && epochs <= TimeBudget.maximumEpochs, source, "epochs", "must be in 1...\(TimeBudget.maximumEpochs), got \(epochs)")
        try check(stepsPerEpoch >= 0 && stepsPerEpoch <= 10_000_000, source, "steps-per-epoch", "must be in 0...10000000, got \(stepsPerEpoch)")
        try check(minutes >= 0 && minutes <= 7 * 24 * 60, source, "minutes", "must be in 0...10080 (a week), got \(minutes)")
        try check(batchSize > 1 && batchSize <= 65_536, source, "batch-size", "must be in 2...65536, got \(batchSize)")
        try check(learningRate > 0, source, "learning-rate", "must be positive, got \(learningRate)")
        try check(momentum >= 0 && momentum < 1, source, "momentum", "must be in [0, 1), got \(momentum)")
        try check(optimizer != .nesterov || momentum > 0, source, "momentum", "must be positive for nesterov")
        try check(weightDecay >= 0, source, "weight-decay", "must be >= 0, got \(weightDecay)")
        try check(warmupEpochs >= 0, source, "warmup-epochs", "must be >= 0, got \(warmupEpochs)")
        try check(earlyStoppingPatience >= 0, source, "early-stopping-patience", "must be >= 0, got \(earlyStoppingPatience)")
        try check(emaDecay >= 0 && emaDecay < 1, source, "ema-decay", "must be in [0, 1), got \(emaDecay)")
        try check(plateauFactor > 0 && plateauFactor < 1, source, "plateau-factor", "must be in (0, 1), got \(plateauFactor)")
        try check(plateauPatience >= 0, source, "plateau-patience", "must be >= 0, got \(plateauPatience)")
        try check(minimumLearningRate >= 0, source, "min-learning-rate", "must be >= 0, got \(minimumLearningRate)")
        try check(schedule != .plateau || warmupEpochs == 0, source, "warmup-epochs", "does not combine with the plateau schedule")
    }

    /// The optimizer over `groups` (each group's rate is relative: 1 = `learningRate`).
    public func makeOptimizer(_ groups: [(parameters: [Parameter], rateScale: Float)]) -> Optimizer {
        let parameterGroups = groups.map { ParameterGroup($0.parameters, learningRate: learningRate * $0.rateScale, weightDecay: weightDecay) }
        switch optimizer {
        case .adam: return Adam(groups: parameterGroups)
        case .adamw: return Adam(groups: parameterGroups, decoupledWeightDecay: true)
        case .lars: return LARS(groups: parameterGroups, momentum: momentum,
                                excluded: groups.flatMap(\.parameters).filter { $0.value.rank <= 1 })
        case .sgd, .nesterov: return SGD(groups: parameterGroups, momentum: momentum, nesterov: optimizer == .nesterov)
        }
    }

    /// Whether the schedule's rates depend on the epoch count (cosine and one-cycle decay over
    /// the whole run; a constant rate, with or without warm-up, and the plateau rule do not).
    public var scheduleFollowsEpochs: Bool { schedule == .cosine || schedule == .onecycle }

    /// The schedule for `epochs` epochs of `stepsPerEpoch` steps.
    public func makeSchedule(stepsPerEpoch: Int, epochs: Int) -> LearningRateSchedule? {
        let total = stepsPerEpoch * epochs
        let warmupEpochs = min(self.warmupEpochs, max(epochs - 1, 0))
        switch schedule {
        case .onecycle: return OneCycle(totalSteps: max(total, 2))
        case .constant: return warmupEpochs > 0 ? CosineWithWarmup(warmupSteps: warmupEpochs * stepsPerEpoch, totalSteps: max(total, 1), minimumMultiplier: 1) : nil
        case .cosine: return CosineWithWarmup(warmupSteps: warmupEpochs * stepsPerEpoch, totalSteps: max(total, 1))
        case .plateau: return nil
        }
    }

    /// The plateau schedule's callback (nil for the other schedules), watching `monitor`.
    public func plateauCallback(monitor: String) -> Callback? {
        schedule == .plateau ? ReduceLearningRateOnPlateau(monitor: monitor, factor: plateauFactor, patience: plateauPatience,
                                                           minimumRate: minimumLearningRate) : nil
    }
}

extension OptimizationOptions {
    /// The loader whose batches make the epochs: `loader` itself, or fixed-length epochs of
    /// `--steps-per-epoch` batches from its endless stream.
    public func epochs(of loader: BatchSource) -> BatchSource {
        stepsPerEpoch > 0 ? FixedLengthEpochs(loader, stepsPerEpoch: stepsPerEpoch) : loader
    }

    /// With a time budget (`minutes` > 0) on a new run, times the first steps of `task` in the
    /// run's `precision` (the run applies it only later, when its directory is made) and sets
    /// `epochs` to what fits; the chosen count is then part of the run's config.
    public mutating func resolveEpochs(task: TrainingTask, labeled: BatchSource?, unlabeled: BatchSource?, resuming: Bool,
                                precision: Precision) throws {
        guard minutes > 0, !resuming else { return }
        budgetStart = Date()
        try DataParallelLaunch.start()
        var slowest = [MixedPrecision.with(precision) {
            TimeBudget.secondsPerStep(task: task, labeled: labeled, unlabeled: unlabeled)
        }]
        // Every rank plans the same epochs: those of the slowest one.
        DataParallel.group.allReduceMax(&slowest)
        let seconds = slowest[0]
        let stepsPerEpoch = (task.inputs == .labeled ? labeled : unlabeled)!.batchCount(epoch: 0)
        epochs = TimeBudget.epochs(fitting: minutes, epochSeconds: seconds * Double(max(stepsPerEpoch, 1)))
        print(String(format: "time budget %.1f min: %.3f s per step, %d steps per epoch -> %d epochs", minutes, seconds,
                     stepsPerEpoch, epochs))
    }
}
