import Foundation
import GleanTensor

/// Adam (`decoupledWeightDecay == false`, L2 added to the gradient) and AdamW (decay applied to
/// the weights directly), following PyTorch:
/// `m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`.
public final class Adam: Optimizer {
    public let beta1: Float, beta2: Float, epsilon: Float
    public let decoupledWeightDecay: Bool

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                decoupledWeightDecay: Bool = false) {
        require((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas (\(beta1), \(beta2)) must be in [0, 1)")
        require(epsilon > 0, "Adam: epsilon \(epsilon) must be positive")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(groups: groups, slotCount: 2)
    }

    public convenience init(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0,
                            beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    override func update(_ parameter: Parameter, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         count: Int, group: ParameterGroup, state: inout [[Float]]) {
        let (b1, b2, eps, rate, decay, decoupled) = (beta1, beta2, epsilon, group.learningRate, group.weightDecay,
                                                     decoupledWeightDecay)
        let t = Double(stepCount)
        let correction1 = Float(1 - Foundation.pow(Double(b1), t))
        let correction2Root = Float((1 - Foundation.pow(Double(b2), t)).squareRoot())
        let stepSize = rate / correction1
        var firstMoment: [Float] = [], secondMoment: [Float] = []
        swap(&firstMoment, &state[0])
        swap(&secondMoment, &state[1])
        defer {
            swap(&firstMoment, &state[0])
            swap(&secondMoment, &state[1])
        }
        firstMoment.withUnsafeMutableBufferPointer { first in
            secondMoment.withUnsafeMutableBufferPointer { second in
                let m = first.baseAddress!, v = second.baseAddress!
                Parallel.chunks(count) { range in
                    for index in range {
                        var grad = g[index]
                        if decoupled {
                            w[index] *= 1 - rate * decay
                        } else {
                            grad += decay * w[index]
                        }
                        m[index] = b1 * m[index] + (1 - b1) * grad
                        v[index] = b2 * v[index] + (1 - b2) * grad * grad
                        w[index] -= stepSize * m[index] / (v[index].squareRoot() / correction2Root + eps)
                    }
                }
            }
        }
    }
}

/// AdamW: Adam with decoupled weight decay (PyTorch's default decay 0.01).
public func AdamW(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                  beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) -> Adam {
    Adam(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
         beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: true)
}
