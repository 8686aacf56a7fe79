import GleanTensor

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// following PyTorch's update: `g ← g + λ·w; b ← μ·b + g; w ← w − lr·(nesterov ? g + μ·b : b)`.
public final class SGD {
    /// A set of parameters sharing hyper-parameters.
    public struct Group {
        public var parameters: [Parameter]
        public var learningRate: Float
        public var weightDecay: Float

        public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
            self.parameters = parameters
            self.learningRate = learningRate
            self.weightDecay = weightDecay
        }
    }

    public var groups: [Group]
    public let momentum: Float
    public let nesterov: Bool
    private var velocity: [ObjectIdentifier: [Float]] = [:]

    public init(groups: [Group], momentum: Float = 0, nesterov: Bool = false) {
        precondition(momentum >= 0, "SGD: momentum \(momentum) must be >= 0")
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public convenience init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [Group(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, nesterov: nesterov)
    }

    /// Applies one update to every trainable parameter that has a gradient.
    public func step() {
        for group in groups {
            for parameter in group.parameters where parameter.isTrainable {
                guard let gradient = parameter.grad else { continue }
                update(parameter, gradient: gradient, learningRate: group.learningRate, weightDecay: group.weightDecay)
            }
        }
    }

    /// Clears the gradients of every parameter in every group.
    public func zeroGrad() {
        for group in groups { group.parameters.forEach { $0.zeroGrad() } }
    }

    private func update(_ parameter: Parameter, gradient: Tensor, learningRate: Float, weightDecay: Float) {
        let key = ObjectIdentifier(parameter)
        let count = parameter.value.count
        var buffer = velocity.removeValue(forKey: key) ?? []
        let first = buffer.isEmpty
        if momentum > 0 && first { buffer = [Float](repeating: 0, count: count) }
        let (mu, nesterov) = (momentum, self.nesterov)
        gradient.withUnsafeScalars { grad in
            parameter.value.withUnsafeMutableScalars { weights in
                buffer.withUnsafeMutableBufferPointer { velocity in
                    let g = grad.baseAddress!, w = weights.baseAddress!, v = velocity.baseAddress
                    Parallel.chunks(count) { range in
                        if let v, mu > 0 {
                            let carry: Float = first ? 0 : mu
                            for index in range {
                                let step = g[index] + weightDecay * w[index]
                                let velocity = carry * v[index] + step
                                v[index] = velocity
                                w[index] -= learningRate * (nesterov ? step + mu * velocity : velocity)
                            }
                        } else {
                            for index in range { w[index] -= learningRate * (g[index] + weightDecay * w[index]) }
                        }
                    }
                }
            }
        }
        if momentum > 0 { velocity[key] = buffer }
    }
}
