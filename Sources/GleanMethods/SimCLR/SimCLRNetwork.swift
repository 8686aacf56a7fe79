import GleanNN
import GleanTensor
import GleanVision

/// An encoder followed by SimCLR's projection head (Linear–ReLU–Linear). Parameter names are
/// `encoder.…` and `projector.…`; the encoder and the head are saved to separate files.
public final class SimCLRNetwork: Module {
    public let encoder: Module
    public let projector: Sequential
    public let featureCount: Int

    /// - Parameters:
    ///   - featureCount: width of the encoder's output.
    ///   - hiddenCount: width of the head's hidden layer (SimCLR uses the feature width).
    ///   - projectionCount: width of the projections the loss compares (128 by default).
    public init(encoder: Module, featureCount: Int, hiddenCount: Int, projectionCount: Int = 128,
                generator: inout RandomGenerator) {
        require(featureCount > 0 && hiddenCount > 0 && projectionCount > 0,
                "SimCLRNetwork: feature (\(featureCount)), hidden (\(hiddenCount)) and projection (\(projectionCount)) widths must be positive")
        self.encoder = encoder
        self.featureCount = featureCount
        projector = Sequential([Linear(featureCount, hiddenCount, generator: &generator), Lambda.relu(),
                                Linear(hiddenCount, projectionCount, generator: &generator)])
    }

    /// Projections `[N, projectionCount]` of images `[N, C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor { projector(encoder(input)) }
}
