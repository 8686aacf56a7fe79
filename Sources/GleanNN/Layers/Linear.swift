import GleanTensor

/// Fully connected layer (PyTorch's `nn.Linear`): weight `[out, in]`, bias `[out]`.
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault,
                generator: inout RandomGenerator) {
        require(inFeatures > 0 && outFeatures > 0, "Linear: features \(inFeatures)→\(outFeatures) must be positive")
        weight = Parameter(initializer.make([outFeatures, inFeatures], generator: &generator))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? Parameter(.uniform([outFeatures], low: -bound, high: bound, generator: &generator)) : nil
    }

    public override var ownParameters: [(String, Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `[N, in]` → `[N, out]`.
    public override func forward(_ input: Tensor) -> Tensor {
        input.linear(weight: weight.value, bias: bias?.value)
    }
}
