import GleanNN
import GleanTensor
import GleanVision

/// Which values of a frozen encoder a neighbour vote compares.
///
/// A ResNet's classifier reads its last stage averaged over the whole image; a vote on those
/// values cannot tell a feature at the top of the image from the same feature at the bottom,
/// which on small centred images (Fashion-MNIST, digits) is much of what tells two classes
/// apart — raw pixels keep it, and a kNN on them is a strong baseline there. `grid` keeps it by
/// averaging the last stage over a 2x2 grid of regions instead (4 x the pooled width), as
/// Goyal et al. (2019, "Scaling and benchmarking self-supervised visual representation
/// learning") pool a ResNet's last stage to a few thousand values before a linear read-out.
/// The encoder itself is unchanged: only what is read from it.
public enum FeatureReadout: String, CaseIterable, Sendable {
    /// The encoder's output: a ResNet's globally averaged last stage, what its classifier reads.
    case pooled
    /// A ResNet's last stage averaged over a 2x2 grid of regions; encoders without a spatial
    /// last stage (SeedNet ends in a fully connected layer) read their output as `pooled`.
    case grid

    /// Side of the grid `grid` averages the last stage over.
    public static let gridSide = 2

    /// The module whose output `[N, featureCount]` is read for images `[N, C, H, W]`: `encoder`
    /// itself, or for `grid` and a ResNet encoder a view of it that reads the 2x2-averaged last
    /// stage (sharing its weights).
    public func module(reading encoder: Module) -> Module {
        guard self == .grid, let resnet = encoder as? ResNet else { return encoder }
        return GridAveragedFeatures(resnet, side: Self.gridSide)
    }

    /// What the read-out is, for a run's first lines (`pooledWidth`: the encoder's output width).
    public func describe(_ encoder: Module, pooledWidth: Int) -> String {
        if self == .grid, encoder is ResNet {
            let side = Self.gridSide
            return "the last stage averaged over a \(side)x\(side) grid (\(pooledWidth * side * side) values)"
        }
        return "the encoder's \(pooledWidth) pooled features" + (self == .grid ? " (it has no spatial last stage to grid)" : "")
    }
}

/// A ResNet's last stage averaged over a `side` x `side` grid and flattened channel-major:
/// `[N, featureCount · side²]` for images `[N, C, H, W]`.
final class GridAveragedFeatures: Module {
    let network: ResNet
    let pool: AdaptiveAvgPool2d

    init(_ network: ResNet, side: Int) {
        self.network = network
        pool = AdaptiveAvgPool2d(outputSize: (side, side))
    }

    override func forward(_ input: Tensor) -> Tensor { pool(network.featureMap(input)).flattened() }
}
