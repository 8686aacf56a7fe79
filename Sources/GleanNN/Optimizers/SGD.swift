import GleanTensor

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// following PyTorch's update: `g ← g + λ·w; b ← μ·b + g; w ← w − lr·(nesterov ? g + μ·b : b)`.
public final class SGD: Optimizer {
    public let momentum: Float
    public let nesterov: Bool

    public init(groups: [ParameterGroup], momentum: Float = 0, nesterov: Bool = false) {
        require(momentum >= 0, "SGD: momentum \(momentum) must be >= 0")
        require(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(groups: groups, slotCount: momentum > 0 ? 1 : 0)
    }

    public convenience init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, nesterov: nesterov)
    }

    override func update(_ parameter: Parameter, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         count: Int, group: ParameterGroup, state: inout [[Float]]) {
        let (rate, decay, mu, nesterov) = (group.learningRate, group.weightDecay, momentum, self.nesterov)
        guard mu > 0 else {
            Parallel.chunks(count) { range in
                for index in range { w[index] -= rate * (g[index] + decay * w[index]) }
            }
            return
        }
        state[0].withUnsafeMutableBufferPointer { velocity in
            let v = velocity.baseAddress!
            Parallel.chunks(count) { range in
                for index in range {
                    let step = g[index] + decay * w[index]
                    let buffer = mu * v[index] + step
                    v[index] = buffer
                    w[index] -= rate * (nesterov ? step + mu * buffer : buffer)
                }
            }
        }
    }
}
