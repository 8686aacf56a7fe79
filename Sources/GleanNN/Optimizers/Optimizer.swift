import GleanTensor

/// Parameters that share hyper-parameters (e.g. a backbone trained at a lower rate than its head).
public struct ParameterGroup {
    public var parameters: [Parameter]
    /// The rate in force now (schedules change it).
    public var learningRate: Float
    /// The rate the group was created with; schedules scale this.
    public let initialLearningRate: Float
    /// L2 penalty (SGD, Adam, LARS) or decoupled decay (AdamW).
    public var weightDecay: Float

    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        require(learningRate >= 0 && learningRate.isFinite, "ParameterGroup: learning rate \(learningRate) must be finite and >= 0")
        require(weightDecay >= 0, "ParameterGroup: weight decay \(weightDecay) must be >= 0")
        self.parameters = parameters
        self.learningRate = learningRate
        initialLearningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Per-parameter optimizer state in parameter order, for checkpoints.
public struct OptimizerState: Equatable, Sendable {
    /// Updates applied so far.
    public var stepCount: Int
    /// For each parameter (groups in order, parameters in order): its slot arrays, or empty
    /// when it has not been updated yet.
    public var slots: [[[Float]]]
    /// The current learning rate of each group.
    public var learningRates: [Float]

    public init(stepCount: Int, slots: [[[Float]]], learningRates: [Float]) {
        self.stepCount = stepCount
        self.slots = slots
        self.learningRates = learningRates
    }
}

/// Base of the optimizers: walks the groups, keeps per-parameter slots (momentum, moments)
/// and exposes them for checkpoints. Subclasses implement `update`.
open class Optimizer {
    public var groups: [ParameterGroup]
    /// Updates applied so far (Adam's bias correction uses it).
    public private(set) var stepCount = 0
    /// Number of state arrays each parameter carries.
    let slotCount: Int
    private var slots: [ObjectIdentifier: [[Float]]] = [:]

    init(groups: [ParameterGroup], slotCount: Int) {
        self.groups = groups
        self.slotCount = slotCount
    }

    /// Applies one update to every trainable parameter that has a gradient.
    public func step() {
        stepCount += 1
        for group in groups {
            for parameter in group.parameters where parameter.isTrainable {
                guard let gradient = parameter.grad else { continue }
                let key = ObjectIdentifier(parameter)
                let count = parameter.value.count
                var state = slots.removeValue(forKey: key)
                    ?? [[Float]](repeating: [Float](repeating: 0, count: count), count: slotCount)
                gradient.withUnsafeScalars { grad in
                    parameter.value.withUnsafeMutableScalars { weights in
                        update(parameter, weights: weights.baseAddress!, gradient: grad.baseAddress!, count: count,
                               group: group, state: &state)
                    }
                }
                if slotCount > 0 { slots[key] = state }
            }
        }
    }

    /// One parameter's update; `state` holds `slotCount` arrays of `count` values.
    func update(_ parameter: Parameter, weights: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                count: Int, group: ParameterGroup, state: inout [[Float]]) {
        fatalError("\(type(of: self)) must override update")
    }

    /// Clears the gradients of every parameter in every group.
    public func zeroGrad() {
        for group in groups { group.parameters.forEach { $0.zeroGrad() } }
    }

    /// Sets every group's rate to its initial rate times `multiplier` (what schedules call).
    public func scaleLearningRates(by multiplier: Float) {
        for index in groups.indices { groups[index].learningRate = groups[index].initialLearningRate * multiplier }
    }

    /// The state to save in a checkpoint.
    public var state: OptimizerState {
        OptimizerState(stepCount: stepCount,
                       slots: groups.flatMap { $0.parameters.map { slots[ObjectIdentifier($0)] ?? [] } },
                       learningRates: groups.map(\.learningRate))
    }

    /// Restores a saved state; throws if it does not fit these parameter groups.
    public func restore(_ saved: OptimizerState) throws {
        let parameters = groups.flatMap(\.parameters)
        guard saved.slots.count == parameters.count, saved.learningRates.count == groups.count else {
            throw OptimizerError.stateMismatch("state holds \(saved.slots.count) parameters in \(saved.learningRates.count) groups, optimizer has \(parameters.count) in \(groups.count)")
        }
        for (index, (parameter, state)) in zip(parameters, saved.slots).enumerated() where !state.isEmpty {
            guard state.count == slotCount, state.allSatisfy({ $0.count == parameter.value.count }) else {
                throw OptimizerError.stateMismatch("parameter \(index): state shape does not fit \(parameter.value.shape)")
            }
        }
        slots = [:]
        for (parameter, state) in zip(parameters, saved.slots) where !state.isEmpty {
            slots[ObjectIdentifier(parameter)] = state
        }
        for (index, rate) in saved.learningRates.enumerated() { groups[index].learningRate = rate }
        stepCount = saved.stepCount
    }
}

/// Why optimizer state could not be restored.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case stateMismatch(String)

    public var description: String {
        switch self {
        case let .stateMismatch(reason): return "optimizer state does not fit: \(reason)"
        }
    }
}
