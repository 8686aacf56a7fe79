import GleanTensor

/// Children applied in order; they are named "0", "1", ... as in PyTorch, unless named explicitly.
/// A `Conv2d` directly followed by a `BatchNorm` runs as `Conv2d.forward(_:batchNorm:relu:)`:
/// one convolution with the batch norm folded in, in inference.
public final class Sequential: Module {
    public let layers: [(String, Module)]

    public init(_ layers: [Module]) {
        self.layers = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public init(named layers: [(String, Module)]) { self.layers = layers }

    public override var children: [(String, Module)] { layers }

    public override func forward(_ input: Tensor) -> Tensor {
        var output = input
        var index = layers.startIndex
        while index < layers.endIndex {
            if index + 1 < layers.endIndex, let convolution = layers[index].1 as? Conv2d, let norm = layers[index + 1].1 as? BatchNorm {
                output = convolution.forward(output, batchNorm: norm, relu: false)
                index += 2
            } else {
                output = layers[index].1(output)
                index += 1
            }
        }
        return output
    }
}
