import GleanTensor

/// Children applied in order; they are named "0", "1", ... as in PyTorch, unless named explicitly.
public final class Sequential: Module {
    public let layers: [(String, Module)]

    public init(_ layers: [Module]) {
        self.layers = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public init(named layers: [(String, Module)]) { self.layers = layers }

    public override var children: [(String, Module)] { layers }

    public override func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { output, layer in layer.1(output) }
    }
}
