import GleanTensor

/// Cuts the learning rate by `factor` when a monitored metric has not improved for
/// `patience` epochs (Keras' and PyTorch's ReduceLROnPlateau, relative threshold mode).
public final class ReduceOnPlateau {
    public enum Mode: String, Sendable { case min, max }

    public let mode: Mode, factor: Float, patience: Int, threshold: Float, cooldown: Int, minimumRate: Float
    public private(set) var best: Float?
    private var badEpochs = 0
    private var cooldownLeft = 0

    public init(mode: Mode = .min, factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4,
                cooldown: Int = 0, minimumRate: Float = 0) {
        require(factor > 0 && factor < 1, "ReduceOnPlateau: factor \(factor) must be in (0, 1)")
        require(patience >= 0 && cooldown >= 0, "ReduceOnPlateau: patience and cooldown must be >= 0")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldown = cooldown
        self.minimumRate = minimumRate
    }

    /// Best value, epochs without improvement and cooldown epochs left, for resume files.
    public var progress: (best: Float?, badEpochs: Int, cooldownLeft: Int) {
        get { (best, badEpochs, cooldownLeft) }
        set { (best, badEpochs, cooldownLeft) = newValue }
    }

    /// Records the epoch's metric; lowers the rates of `optimizer` when the plateau lasted long
    /// enough. Returns whether it did.
    @discardableResult
    public func observe(_ metric: Float, optimizer: Optimizer) -> Bool {
        if isImprovement(metric) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            badEpochs = 0
        }
        guard badEpochs > patience else { return false }
        var changed = false
        for index in optimizer.groups.indices {
            let current = optimizer.groups[index].learningRate
            let lowered = max(current * factor, minimumRate)
            if current - lowered > 1e-12 {
                optimizer.groups[index].learningRate = lowered
                changed = true
            }
        }
        cooldownLeft = cooldown
        badEpochs = 0
        return changed
    }

    private func isImprovement(_ metric: Float) -> Bool {
        guard let best else { return true }
        switch mode {
        case .min: return metric < best * (1 - threshold)
        case .max: return metric > best * (1 + threshold)
        }
    }
}
