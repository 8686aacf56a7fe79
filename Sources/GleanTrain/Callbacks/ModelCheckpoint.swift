import GleanNN

/// Saves `last.safetensors` every epoch and `best.safetensors` when `monitor` improves, in
/// `directory`, with the epoch and metrics as metadata. With a weight average, the averaged
/// weights are saved (the ones validation measured).
public final class ModelCheckpoint: Callback {
    public let directory: String
    /// The metric that picks `best.safetensors` (nil: only `last.safetensors` is written).
    public let monitor: String?
    public let mode: MonitorMode
    /// Written into every checkpoint's metadata (e.g. the model name and input normalisation).
    public let extraMetadata: [String: String]
    public private(set) var bestValue: Double?

    /// Turns the model's state into what the files hold (e.g. a frozen encoder plus a
    /// separately trained head saved as one classifier under the zoo model's names).
    public let stateTransform: (([(String, StoredTensor)]) -> [(String, StoredTensor)])?

    public init(directory: String, monitor: String? = "val_loss", mode: MonitorMode? = nil,
                extraMetadata: [String: String] = [:],
                stateTransform: (([(String, StoredTensor)]) -> [(String, StoredTensor)])? = nil) {
        self.stateTransform = stateTransform
        self.directory = directory
        self.monitor = monitor
        self.mode = mode ?? .inferred(for: monitor ?? "")
        self.extraMetadata = extraMetadata
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        var metadata = metrics.mapValues { String($0) }.merging(extraMetadata) { _, extra in extra }
        metadata["epoch"] = String(context.epoch + 1)
        let state = stateTransform.map { $0(context.evaluationStateDict()) } ?? context.evaluationStateDict()
        try SafeTensors.write(state, metadata: metadata, to: directory + "/last.safetensors")
        guard let monitor else { return }
        let value = try monitored(monitor, in: metrics)
        if bestValue.map({ mode.isBetter(value, than: $0, minDelta: 0) }) ?? true {
            bestValue = value
            try SafeTensors.write(state, metadata: metadata, to: directory + "/best.safetensors")
        }
    }
}

extension ModelCheckpoint: ResumableCallback {
    public var resumeKey: String { "model_checkpoint" }

    public func saveState() -> SavedState {
        SavedState(metadata: bestValue.map { ["best_value": String($0)] } ?? [:])
    }

    public func restoreState(_ state: SavedState) throws {
        bestValue = state.metadata["best_value"].flatMap(Double.init)
    }
}
