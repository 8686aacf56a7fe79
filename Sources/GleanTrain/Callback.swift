import GleanData
import GleanNN

/// Figures of one finished epoch: `loss`, `accuracy`, `val_loss`, `val_accuracy`, `lr`,
/// `seconds`, `images_per_s` (validation keys only when there is validation data).
public typealias EpochMetrics = [String: Double]

/// What the trainer is doing, handed to callbacks.
public final class TrainingContext {
    public let task: TrainingTask
    public let optimizer: Optimizer
    /// Epochs the run trains; a time budget may correct it during the first epochs
    /// (`TimeBudgetReplan`).
    public internal(set) var totalEpochs: Int
    /// The weight average the trainer keeps, if any.
    public let weightAverage: ExponentialMovingAverage?
    /// Current epoch, 0-based.
    public var epoch = 0
    /// Optimizer steps taken so far (across epochs).
    public internal(set) var step = 0
    public internal(set) var stepsPerEpoch = 0
    /// Training accuracy of the current epoch so far (nil when the task has no logits).
    public internal(set) var runningAccuracy: Double?
    /// The named figures of the last step (e.g. `loss_u`, `mask_rate`).
    public internal(set) var stepScalars: [String: Double] = [:]
    /// The endless labeled stream of a step that also consumes unlabeled batches.
    public internal(set) var labeledStream: EndlessBatchStream?
    /// The trainer's callbacks (the resume file saves those with state).
    public internal(set) var callbacks: [Callback] = []
    /// Metrics of every finished epoch.
    public internal(set) var history: [EpochMetrics] = []
    /// Set by a callback to end training after the current epoch.
    public var stopRequested = false

    public init(task: TrainingTask, optimizer: Optimizer, totalEpochs: Int, weightAverage: ExponentialMovingAverage? = nil) {
        self.task = task
        self.optimizer = optimizer
        self.totalEpochs = totalEpochs
        self.weightAverage = weightAverage
    }

    public var model: Module { task.model }

    /// The weights that validation measured: the average when the trainer keeps one.
    public func evaluationStateDict() -> [(String, StoredTensor)] {
        weightAverage?.stateDict() ?? model.stateDict()
    }

    /// Puts weights saved by `evaluationStateDict()` back into the model (and the average).
    public func loadEvaluationState(_ state: [(String, StoredTensor)]) throws {
        let tensors = Dictionary(uniqueKeysWithValues: state)
        try model.loadStateDict(tensors)
        try weightAverage?.load(tensors)
    }
}

/// Hooks into the training loop (Keras/fastai style). Every method has an empty default.
/// Throwing from a hook stops training with that error.
public protocol Callback: AnyObject {
    func fitStarted(_ context: TrainingContext) throws
    func epochStarted(_ context: TrainingContext) throws
    func batchFinished(_ context: TrainingContext, loss: Float, batchIndex: Int, imagesPerSecond: Double) throws
    func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws
    func fitFinished(_ context: TrainingContext) throws
}

extension Callback {
    public func fitStarted(_ context: TrainingContext) throws {}
    public func epochStarted(_ context: TrainingContext) throws {}
    public func batchFinished(_ context: TrainingContext, loss: Float, batchIndex: Int, imagesPerSecond: Double) throws {}
    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {}
    public func fitFinished(_ context: TrainingContext) throws {}
}

/// A callback whose progress (best value so far, epochs waited) must survive `--resume`.
public protocol ResumableCallback: Callback {
    /// Unique name of its entries in the resume file.
    var resumeKey: String { get }
    func saveState() -> SavedState
    func restoreState(_ state: SavedState) throws
}

/// Whether a monitored metric is better when lower or higher.
public enum MonitorMode: String, Sendable {
    case min, max

    /// The usual mode for a metric name (`*loss` → min, otherwise max).
    public static func inferred(for metric: String) -> MonitorMode { metric.hasSuffix("loss") ? .min : .max }

    func isBetter(_ value: Double, than best: Double, minDelta: Double) -> Bool {
        self == .min ? value < best - minDelta : value > best + minDelta
    }
}

/// Why a monitored metric is unusable.
public enum CallbackError: Error, CustomStringConvertible, Equatable {
    case missingMetric(String, available: [String])

    public var description: String {
        switch self {
        case let .missingMetric(name, available):
            return "metric '\(name)' is not reported; available: \(available.sorted().joined(separator: ", "))"
        }
    }
}

func monitored(_ name: String, in metrics: EpochMetrics) throws -> Double {
    guard let value = metrics[name] else { throw CallbackError.missingMetric(name, available: Array(metrics.keys)) }
    return value
}
