import Foundation
import GleanTensor

/// Weight initialisers with PyTorch's conventions (`fan_in = in · kernel area`).
public enum Initializer {
    /// PyTorch's default for conv and linear layers: U(−1/√fan_in, 1/√fan_in)
    /// (kaiming_uniform with a = √5).
    case pytorchDefault
    /// Kaiming normal for ReLU networks with `fan_out` (torchvision's ResNet convolutions).
    case kaimingNormalFanOut
    /// Kaiming normal for ReLU networks with `fan_in`.
    case kaimingNormalFanIn
    /// Glorot/Xavier uniform (Keras' default for dense and conv layers).
    case xavierUniform
    /// All zeros.
    case zeros
    /// All ones.
    case ones

    /// A tensor of `shape` (`[out, in, kh, kw]` or `[out, in]`) initialised by this rule.
    public func make(_ shape: Shape, generator: inout RandomGenerator) -> Tensor {
        let receptive = shape.dims.dropFirst(2).reduce(1, *)
        let fanIn = (shape.rank > 1 ? shape[1] : shape[0]) * receptive
        let fanOut = shape[0] * receptive
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(Foundation.sqrt(Double(max(fanIn, 1))))
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        case .kaimingNormalFanOut:
            return .normal(shape, standardDeviation: Float(Foundation.sqrt(2 / Double(max(fanOut, 1)))), generator: &generator)
        case .kaimingNormalFanIn:
            return .normal(shape, standardDeviation: Float(Foundation.sqrt(2 / Double(max(fanIn, 1)))), generator: &generator)
        case .xavierUniform:
            let bound = Float(Foundation.sqrt(6 / Double(max(fanIn + fanOut, 1))))
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        case .zeros:
            return .zeros(shape)
        case .ones:
            return .ones(shape)
        }
    }
}
