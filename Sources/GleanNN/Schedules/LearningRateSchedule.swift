import Foundation
import GleanTensor

/// A learning-rate multiplier as a function of the step (or epoch) count; the optimizer's rate
/// is its groups' initial rates times the multiplier (`Optimizer.scaleLearningRates(by:)`).
public protocol LearningRateSchedule: Sendable {
    /// The multiplier after `step` completed steps (0 before the first).
    func multiplier(at step: Int) -> Float
}

/// Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's StepLR).
public struct StepDecay: LearningRateSchedule {
    public let stepSize: Int, gamma: Float

    public init(stepSize: Int, gamma: Float = 0.1) {
        require(stepSize > 0 && gamma > 0, "StepDecay: step size \(stepSize) and gamma \(gamma) must be positive")
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func multiplier(at step: Int) -> Float { Foundation.pow(gamma, Float(step / stepSize)) }
}

/// Multiplies the rate by `gamma` at each milestone (PyTorch's MultiStepLR).
public struct MultiStepDecay: LearningRateSchedule {
    public let milestones: [Int], gamma: Float

    public init(milestones: [Int], gamma: Float = 0.1) {
        require(gamma > 0, "MultiStepDecay: gamma \(gamma) must be positive")
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func multiplier(at step: Int) -> Float {
        Foundation.pow(gamma, Float(milestones.filter { $0 <= step }.count))
    }
}

/// Linear warm-up from 0 over `warmupSteps`, then cosine decay to `minimumMultiplier` at
/// `totalSteps` (constant afterwards).
public struct CosineWithWarmup: LearningRateSchedule {
    public let warmupSteps: Int, totalSteps: Int, minimumMultiplier: Float

    public init(warmupSteps: Int = 0, totalSteps: Int, minimumMultiplier: Float = 0) {
        require(warmupSteps >= 0 && totalSteps > warmupSteps,
                     "CosineWithWarmup: need 0 <= warmup (\(warmupSteps)) < total (\(totalSteps))")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumMultiplier = minimumMultiplier
    }

    public func multiplier(at step: Int) -> Float {
        if step < warmupSteps { return Float(step + 1) / Float(warmupSteps) }
        let progress = min(1, Float(step - warmupSteps) / Float(totalSteps - warmupSteps))
        return minimumMultiplier + (1 - minimumMultiplier) * 0.5 * (1 + Foundation.cos(Float.pi * progress))
    }
}

/// The one-cycle policy (PyTorch's OneCycleLR with cosine annealing): from
/// `1 / divFactor` up to 1 over the first `warmupFraction` of the steps, then down to
/// `1 / (divFactor · finalDivFactor)`. The optimizer's initial rate is the peak rate.
public struct OneCycle: LearningRateSchedule {
    public let totalSteps: Int, warmupFraction: Float, divFactor: Float, finalDivFactor: Float

    public init(totalSteps: Int, warmupFraction: Float = 0.3, divFactor: Float = 25, finalDivFactor: Float = 1e4) {
        require(totalSteps > 1 && warmupFraction > 0 && warmupFraction < 1,
                     "OneCycle: need total steps > 1 (\(totalSteps)) and 0 < warmup fraction (\(warmupFraction)) < 1")
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
    }

    public func multiplier(at step: Int) -> Float {
        let start = 1 / divFactor, end = start / finalDivFactor
        let peakStep = Float(totalSteps) * warmupFraction - 1
        func anneal(_ from: Float, _ to: Float, _ fraction: Float) -> Float {
            to + (from - to) / 2 * (1 + Foundation.cos(Float.pi * fraction))
        }
        let position = Float(min(step, totalSteps - 1))
        if position <= peakStep { return anneal(start, 1, position / peakStep) }
        return anneal(1, end, (position - peakStep) / (Float(totalSteps - 1) - peakStep))
    }
}
