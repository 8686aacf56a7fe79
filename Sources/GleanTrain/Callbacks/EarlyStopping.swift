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
            if restoreBestWeights { bestWeights = context.model.stateDict() }
        } else {
            wait += 1
            if wait >= patience { context.stopRequested = true }
        }
    }

    public func fitFinished(_ context: TrainingContext) throws {
        if restoreBestWeights, let bestWeights {
            try context.model.loadStateDict(Dictionary(uniqueKeysWithValues: bestWeights))
        }
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
