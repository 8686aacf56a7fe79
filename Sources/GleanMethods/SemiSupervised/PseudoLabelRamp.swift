import GleanTensor

/// The weight of the pseudo-label loss in online pseudo-labeling (Lee, 2013): 0 before step
/// `start`, rising linearly to `finalWeight` at step `end`, then held.
public struct PseudoLabelRamp: Sendable, Equatable {
    public let start: Int, end: Int
    public let finalWeight: Float

    public init(start: Int, end: Int, finalWeight: Float) {
        require(start >= 0 && end >= start, "PseudoLabelRamp: steps must satisfy 0 <= start (\(start)) <= end (\(end))")
        require(finalWeight >= 0 && finalWeight.isFinite, "PseudoLabelRamp: final weight \(finalWeight) must be finite and >= 0")
        self.start = start
        self.end = end
        self.finalWeight = finalWeight
    }

    /// alpha(step).
    public func weight(at step: Int) -> Float {
        if step < start { return 0 }
        if step >= end { return finalWeight }
        return finalWeight * Float(step - start) / Float(end - start)
    }
}
