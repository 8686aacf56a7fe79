import GleanNN
import GleanTensor

/// An exponential moving average of a model's weights (`shadow ← d·shadow + (1−d)·w` after
/// every optimizer step; buffers such as batch-norm statistics are copied), as FixMatch and USB
/// evaluate with. The effective decay warms up, `d = min(decay, (1 + step) / (10 + step))` as
/// in timm, so that short runs are not dominated by the initial weights. The trainer
/// validates, checkpoints and reports with these weights.
public final class ExponentialMovingAverage {
    public let decay: Float
    private let model: Module
    /// The model's parameters and buffers by name, found once (a walk of the module tree per
    /// step would cost more than the average itself on small models).
    private let parameters: [(String, Parameter)]
    private let buffers: [(String, Buffer)]
    private var shadow: [String: Tensor]

    /// Starts the average at the model's current weights.
    public init(model: Module, decay: Float = 0.999) {
        require(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay \(decay) must be in [0, 1)")
        self.model = model
        self.decay = decay
        parameters = model.namedParameters()
        buffers = model.namedBuffers()
        shadow = [:]
        for (name, tensor) in entries { shadow[name] = Tensor(tensor.scalars, shape: tensor.shape) }
    }

    /// Every parameter and buffer value under its name.
    private var entries: [(String, Tensor)] { parameters.map { ($0.0, $0.1.value) } + buffers.map { ($0.0, $0.1.value) } }

    /// Moves the average towards the model's current weights after optimizer step `step`
    /// (0-based; buffers are copied).
    public func update(step: Int) {
        let decay = min(self.decay, Float(1 + step) / Float(10 + step))
        let parameterNames = Set(parameters.map(\.0))
        for (name, tensor) in entries {
            let isParameter = parameterNames.contains(name)
            tensor.withUnsafeScalars { current in
                shadow[name]!.withUnsafeMutableScalars { average in
                    if isParameter {
                        let keep = decay, take = 1 - decay
                        for index in 0..<current.count { average[index] = keep * average[index] + take * current[index] }
                    } else {
                        _ = average.update(fromContentsOf: current)
                    }
                }
            }
        }
    }

    /// The averaged weights under the model's names (plus its counters), as a checkpoint holds them.
    public func stateDict() -> [(String, StoredTensor)] {
        entries.map { ($0.0, .float(values: shadow[$0.0]!.scalars, shape: $0.1.shape)) }
            + model.namedCounters().map { ($0.0, .int64(values: [$0.1], shape: [])) }
    }

    /// Replaces the average (from a resume file); throws when names or shapes differ.
    public func load(_ tensors: [String: StoredTensor]) throws {
        for (name, tensor) in entries {
            guard let stored = tensors[name], stored.shape == tensor.shape else {
                throw CheckpointError.mismatch(reason: "EMA weights lack '\(name)' of shape \(tensor.shape)")
            }
        }
        for (name, _) in entries { shadow[name] = tensors[name]!.tensor }
    }

    /// Runs `body` with the averaged weights in the model, then puts the trained weights back.
    public func withAveragedWeights<R>(_ body: () throws -> R) rethrows -> R {
        let trained = model.stateDict()
        try! model.loadStateDict(Dictionary(uniqueKeysWithValues: stateDict()))
        defer { try! model.loadStateDict(Dictionary(uniqueKeysWithValues: trained)) }
        return try body()
    }
}
