import GleanNN
import GleanTensor

/// Stops when `monitor` has not improved by more than `minDelta` for `patience` epochs
/// (Keras' EarlyStopping), optionally putting back the best epoch's weights at the end.
public final class EarlyStopping: Callback {
    public let monitor: String, minDelta: Double, patience: Int, mode: MonitorMode, restoreBestWeights: Bool
    public private(set) var bestValue: Double?
    public private(set) var bestEpoch: Int?
    private var wait = 0
    private var bestWeights: [(String, StoredTensor)]?

    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 7, mode: MonitorMode? = nil,
                restoreBestWeights: Bool = true) {
        require(patience >= 0 && minDelta >= 0, "EarlyStopping: patience and minDelta must be >= 0")
        self.monitor = monitor
        self.minDelta = minDelta
        self.patience = patience
        self.mode = mode ?? .inferred(for: monitor)
        self.restoreBestWeights = restoreBestWeights
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        let value = try monitored(monitor, in: metrics)
        if bestValue.map({ mode.isBetter(value, than: $0, minDelta: minDelta) }) ?? true {
            bestValue = value
            bestEpoch = context.epoch
            wait = 0
            if restoreBestWeights { bestWeights = context.evaluationStateDict() }
        } else {
            wait += 1
            if wait >= patience { context.stopRequested = true }
        }
    }

    public func fitFinished(_ context: TrainingContext) throws {
        if restoreBestWeights, let bestWeights { try context.loadEvaluationState(bestWeights) }
    }
}

extension EarlyStopping: ResumableCallback {
    public var resumeKey: String { "early_stopping" }

    public func saveState() -> SavedState {
        var metadata = ["wait": String(wait)]
        if let bestValue, let bestEpoch {
            metadata["best_value"] = String(bestValue)
            metadata["best_epoch"] = String(bestEpoch)
        }
        return SavedState(tensors: bestWeights ?? [], metadata: metadata)
    }

    public func restoreState(_ state: SavedState) throws {
        guard let wait = state.metadata["wait"].flatMap(Int.init), wait >= 0 else {
            throw CheckpointError.mismatch(reason: "the resume file lacks the early-stopping state (was the run started without it?)")
        }
        self.wait = wait
        bestValue = state.metadata["best_value"].flatMap(Double.init)
        bestEpoch = state.metadata["best_epoch"].flatMap(Int.init)
        bestWeights = state.tensors.isEmpty ? nil : state.tensors
    }
}

/// Keras' ReduceLROnPlateau as a callback: divides the learning rates by 1/`factor` after
/// `patience` epochs without improvement of `monitor`, down to `minimumRate`.
public final class ReduceLearningRateOnPlateau: Callback {
    public let monitor: String
    private let plateau: ReduceOnPlateau

    public init(monitor: String = "val_loss", factor: Float = 0.5, patience: Int = 3, minimumRate: Float = 1e-5,
                mode: MonitorMode? = nil) {
        self.monitor = monitor
        plateau = ReduceOnPlateau(mode: (mode ?? .inferred(for: monitor)) == .min ? .min : .max, factor: factor,
                                  patience: patience, minimumRate: minimumRate)
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        plateau.observe(Float(try monitored(monitor, in: metrics)), optimizer: context.optimizer)
    }
}

extension ReduceLearningRateOnPlateau: ResumableCallback {
    public var resumeKey: String { "reduce_lr_on_plateau" }

    public func saveState() -> SavedState {
        let progress = plateau.progress
        var metadata = ["bad_epochs": String(progress.badEpochs), "cooldown_left": String(progress.cooldownLeft)]
        if let best = progress.best { metadata["best"] = String(best.bitPattern) }
        return SavedState(metadata: metadata)
    }

    public func restoreState(_ state: SavedState) throws {
        guard let bad = state.metadata["bad_epochs"].flatMap(Int.init), let cooldown = state.metadata["cooldown_left"].flatMap(Int.init),
              bad >= 0, cooldown >= 0 else {
            throw CheckpointError.mismatch(reason: "the resume file lacks the ReduceLROnPlateau state (was the run started without it?)")
        }
        plateau.progress = (state.metadata["best"].flatMap(UInt32.init).map(Float.init(bitPattern:)), bad, cooldown)
    }
}
