import GleanTensor
import GleanTrain

/// DisturbLabel (Xie et al., 2016): each step, every example keeps its label with probability
/// `p_c = 1 − (C − 1)/C · alpha/100` and otherwise gets one of the other C − 1 classes, drawn
/// uniformly — one draw per example per step. The draws come from the step number and the
/// seed, so a resumed run disturbs the same labels.
public struct DisturbLabel: LabelNoise, Sendable {
    /// The noise rate alpha, in percent (0–100).
    public let alpha: Float
    public let classCount: Int
    public let seed: UInt64

    public init(alpha: Float, classCount: Int, seed: UInt64) {
        require(alpha >= 0 && alpha <= 100, "DisturbLabel: alpha \(alpha) must be a percentage in 0...100")
        require(classCount >= 2, "DisturbLabel: needs at least 2 classes, got \(classCount)")
        self.alpha = alpha
        self.classCount = classCount
        self.seed = seed
    }

    /// The probability of keeping the true label, p_c.
    public var keepProbability: Float { 1 - Float(classCount - 1) / Float(classCount) * alpha / 100 }

    public func apply(to labels: [Int], step: Int) -> [Int] {
        var generator = RandomGenerator(seed: seed, stream: "disturb-label/\(step)")
        let keep = keepProbability
        return labels.map { label in
            let draw = generator.nextUniform(), other = Int(generator.next() % UInt64(classCount - 1))
            return draw < keep ? label : other >= label ? other + 1 : other
        }
    }
}

/// DisturbValue for regression: each step, a `fraction` of the targets (each independently)
/// get Gaussian noise of standard deviation `standardDeviation` added. Seeded by step, like
/// `DisturbLabel`.
public struct DisturbValue: TargetNoise, Sendable {
    public let fraction: Float
    public let standardDeviation: Float
    public let seed: UInt64

    public init(fraction: Float, standardDeviation: Float, seed: UInt64) {
        require(fraction >= 0 && fraction <= 1, "DisturbValue: fraction \(fraction) must be in [0, 1]")
        require(standardDeviation >= 0 && standardDeviation.isFinite, "DisturbValue: standard deviation \(standardDeviation) must be finite and >= 0")
        self.fraction = fraction
        self.standardDeviation = standardDeviation
        self.seed = seed
    }

    /// The targets the loss sees at optimizer step `step`.
    public func apply(to targets: [Float], step: Int) -> [Float] {
        var generator = RandomGenerator(seed: seed, stream: "disturb-value/\(step)")
        return targets.map { target in
            let draw = generator.nextUniform(), noise = generator.nextNormal()
            return draw < fraction ? target + standardDeviation * noise : target
        }
    }
}
