import GleanTensor

/// Inverted dropout, active only in training mode. Its mask stream comes from the generator
/// it was built with, so the same seed drops the same units.
public final class Dropout: Module {
    public let probability: Float
    private var generator: RandomGenerator

    public init(probability: Float = 0.5, generator: inout RandomGenerator) {
        require(probability >= 0 && probability < 1, "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        self.generator = RandomGenerator(seed: generator.next())
    }

    /// The mask generator's state (for checkpoints that resume exactly).
    public var generatorState: RandomGenerator {
        get { generator }
        set { generator = newValue }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return ProcessDraws.drawing(from: &generator) { input.dropout(probability: probability, generator: &$0) }
    }
}
