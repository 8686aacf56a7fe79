import GleanTensor

/// LARS (layer-wise adaptive rate scaling, as used for SimCLR's large batches): SGD with
/// momentum whose rate for each parameter tensor is scaled by the trust ratio
/// `η·‖w‖ / ‖g + λw‖`. Parameters in `excluded` (biases and batch-norm parameters, by
/// convention) get neither the trust ratio nor weight decay.
public final class LARS: Optimizer {
    public let momentum: Float
    public let trustCoefficient: Float
    private let excluded: Set<ObjectIdentifier>

    public init(groups: [ParameterGroup], momentum: Float = 0.9, trustCoefficient: Float = 0.001,
                excluded: [Parameter] = []) {
        require(momentum >= 0 && trustCoefficient > 0, "LARS: momentum \(momentum) must be >= 0 and trust coefficient \(trustCoefficient) > 0")
        self.momentum = momentum
        self.trustCoefficient = trustCoefficient
        self.excluded = Set(excluded.map(ObjectIdentifier.init))
        super.init(groups: groups, slotCount: 1)
    }

    /// LARS over a module, excluding every rank-1 parameter (biases, batch-norm scales and shifts).
    public convenience init(_ module: Module, learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 1e-6,
                            trustCoefficient: Float = 0.001) {
        let parameters = module.trainableParameters
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, trustCoefficient: trustCoefficient,
                  excluded: parameters.filter { $0.value.rank <= 1 })
    }

    override func update(_ parameter: Parameter, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         count: Int, group: ParameterGroup, state: inout [[Float]]) {
        let adapt = !excluded.contains(ObjectIdentifier(parameter))
        let decay = adapt ? group.weightDecay : 0
        var weightNorm: Double = 0, gradientNorm: Double = 0
        for index in 0..<count {
            let step = g[index] + decay * w[index]
            weightNorm += Double(w[index] * w[index])
            gradientNorm += Double(step * step)
        }
        weightNorm = weightNorm.squareRoot()
        gradientNorm = gradientNorm.squareRoot()
        let trust: Float = adapt && weightNorm > 0 && gradientNorm > 0
            ? trustCoefficient * Float(weightNorm / gradientNorm) : 1
        let (rate, mu) = (group.learningRate * trust, momentum)
        state[0].withUnsafeMutableBufferPointer { velocity in
            let v = velocity.baseAddress!
            Parallel.chunks(count) { range in
                for index in range {
                    v[index] = mu * v[index] + rate * (g[index] + decay * w[index])
                    w[index] -= v[index]
                }
            }
        }
    }
}
