import GleanNN

/// Saves `last.safetensors` every epoch and `best.safetensors` when `monitor` improves, in
/// `directory`, with the epoch and metrics as metadata. With a weight average, the averaged
/// weights are saved (the ones validation measured). With `restoreBestWeights`, the best
/// epoch's weights are put back into the model (and the average) when training ends, so that
/// what is reported afterwards is the checkpoint that validation selected.
public final class ModelCheckpoint: Callback {
    public let directory: String
    /// The metric that picks `best.safetensors` (nil: only `last.safetensors` is written).
    public let monitor: String?
    public let mode: MonitorMode
    /// Written into every checkpoint's metadata (e.g. the model name and input normalisation).
    public let extraMetadata: [String: String]
    public private(set) var bestValue: Double?
    /// The epoch (1-based) of `best.safetensors`.
    public private(set) var bestEpoch: Int?
    public let restoreBestWeights: Bool
    private var bestState: [(String, StoredTensor)]?

    /// Turns the model's state into what the files hold (e.g. a frozen encoder plus a
    /// separately trained head saved as one classifier under the zoo model's names).
    public let stateTransform: (([(String, StoredTensor)]) -> [(String, StoredTensor)])?

    public init(directory: String, monitor: String? = "val_loss", mode: MonitorMode? = nil,
                extraMetadata: [String: String] = [:],
                stateTransform: (([(String, StoredTensor)]) -> [(String, StoredTensor)])? = nil, restoreBestWeights: Bool = false) {
        self.stateTransform = stateTransform
        self.restoreBestWeights = restoreBestWeights
        self.directory = directory
        self.monitor = monitor
        self.mode = mode ?? .inferred(for: monitor ?? "")
        self.extraMetadata = extraMetadata
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        var metadata = metrics.mapValues { String($0) }.merging(extraMetadata) { _, extra in extra }
        metadata["epoch"] = String(context.epoch + 1)
        let evaluated = context.evaluationStateDict()
        let state = stateTransform.map { $0(evaluated) } ?? evaluated
        try SafeTensors.write(state, metadata: metadata, to: directory + "/last.safetensors")
        guard let monitor else { return }
        let value = try monitored(monitor, in: metrics)
        if bestValue.map({ mode.isBetter(value, than: $0, minDelta: 0) }) ?? true {
            bestValue = value
            bestEpoch = context.epoch + 1
            if restoreBestWeights { bestState = evaluated }
            try SafeTensors.write(state, metadata: metadata, to: directory + "/best.safetensors")
        }
    }

    public func fitFinished(_ context: TrainingContext) throws {
        guard restoreBestWeights, let bestState else { return }
        try context.loadEvaluationState(bestState)
    }
}

extension ModelCheckpoint: ResumableCallback {
    public var resumeKey: String { "model_checkpoint" }

    public func saveState() -> SavedState {
        var metadata: [String: String] = [:]
        if let bestValue, let bestEpoch {
            metadata["best_value"] = String(bestValue)
            metadata["best_epoch"] = String(bestEpoch)
        }
        return SavedState(tensors: bestState ?? [], metadata: metadata)
    }

    public func restoreState(_ state: SavedState) throws {
        bestValue = state.metadata["best_value"].flatMap(Double.init)
        bestEpoch = state.metadata["best_epoch"].flatMap(Int.init)
        bestState = state.tensors.isEmpty ? nil : state.tensors
    }
}
