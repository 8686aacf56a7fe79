import Foundation
import GleanTensor

/// A batch whose targets are class distributions (from MixUp or CutMix).
public struct MixedBatch: @unchecked Sendable {
    /// `[B, C, H, W]`.
    public let images: Tensor
    /// `[B, classes]`, rows summing to 1.
    public let targets: Tensor
}

/// Batch-level mixing augmentations. Each pairs every image with another image of the batch
/// (a seeded permutation) and mixes the targets in proportion, as in the MixUp and CutMix papers.
/// Targets are class distributions (`[B, classes]`): one-hot labels, a teacher's probabilities
/// or pseudo-labels; a row of zeros (an image without a target) stays a weight of zero.
public enum BatchMixing {
    /// Which mixing, with the alpha of its Beta(α, α) mixing ratio.
    public enum Kind: Equatable, Sendable, CustomStringConvertible {
        case mixUp(alpha: Float)
        case cutMix(alpha: Float)

        public var description: String {
            switch self {
            case let .mixUp(alpha): "MixUp (alpha \(alpha))"
            case let .cutMix(alpha): "CutMix (alpha \(alpha))"
            }
        }
    }

    /// Mixes `images` (`[B, C, H, W]`) and `targets` (`[B, classes]`) as `kind` says.
    public static func mix(_ kind: Kind, images: Tensor, targets: Tensor, generator: inout RandomGenerator) -> MixedBatch {
        switch kind {
        case let .mixUp(alpha): mixUp(images: images, targets: targets, alpha: alpha, generator: &generator)
        case let .cutMix(alpha): cutMix(images: images, targets: targets, alpha: alpha, generator: &generator)
        }
    }

    /// MixUp of a labeled batch (one-hot targets over `classCount` classes).
    public static func mixUp(_ batch: Batch, classCount: Int, alpha: Float = 0.2,
                             generator: inout RandomGenerator) -> MixedBatch {
        mixUp(images: batch.images, targets: Tensor.oneHot(batch.labels, classes: classCount), alpha: alpha, generator: &generator)
    }

    /// CutMix of a labeled batch (one-hot targets over `classCount` classes).
    public static func cutMix(_ batch: Batch, classCount: Int, alpha: Float = 1,
                              generator: inout RandomGenerator) -> MixedBatch {
        cutMix(images: batch.images, targets: Tensor.oneHot(batch.labels, classes: classCount), alpha: alpha, generator: &generator)
    }

    /// MixUp: `λ·x + (1 − λ)·x_perm` and `λ·t + (1 − λ)·t_perm`, λ ~ Beta(α, α).
    public static func mixUp(images: Tensor, targets: Tensor, alpha: Float = 0.2,
                             generator: inout RandomGenerator) -> MixedBatch {
        checkShapes(images, targets)
        let lambda = beta(alpha, &generator)
        let permutation = Array(0..<images.shape[0]).shuffled(using: &generator)
        let source = images.detached()
        let partner = source.indexSelect(axis: 0, permutation)
        return MixedBatch(images: source * lambda + partner * (1 - lambda),
                          targets: mixedTargets(targets, permutation, lambda))
    }

    /// CutMix: a box of area fraction 1 − λ (λ ~ Beta(α, α)) is pasted from the partner image;
    /// λ is corrected to the box actually pasted after clipping at the border.
    public static func cutMix(images batchImages: Tensor, targets: Tensor, alpha: Float = 1,
                              generator: inout RandomGenerator) -> MixedBatch {
        checkShapes(batchImages, targets)
        let shape = batchImages.shape
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let lambda = beta(alpha, &generator)
        let permutation = Array(0..<count).shuffled(using: &generator)
        let cut = (1 - lambda).squareRoot()
        let boxHeight = Int(Float(height) * cut), boxWidth = Int(Float(width) * cut)
        let centerY = Int(generator.next() % UInt64(height)), centerX = Int(generator.next() % UInt64(width))
        let top = max(centerY - boxHeight / 2, 0), bottom = min(centerY + boxHeight / 2, height)
        let left = max(centerX - boxWidth / 2, 0), right = min(centerX + boxWidth / 2, width)
        let source = batchImages.scalars
        let plane = height * width
        let images = Tensor(shape: shape) { buffer in
            for index in 0..<source.count { buffer[index] = source[index] }
            for (image, partner) in permutation.enumerated() {
                for c in 0..<channels {
                    for y in top..<bottom {
                        for x in left..<right {
                            buffer[(image * channels + c) * plane + y * width + x] = source[(partner * channels + c) * plane + y * width + x]
                        }
                    }
                }
            }
        }
        let kept = 1 - Float((bottom - top) * (right - left)) / Float(plane)
        return MixedBatch(images: images, targets: mixedTargets(targets, permutation, kept))
    }

    private static func checkShapes(_ images: Tensor, _ targets: Tensor) {
        require(images.rank == 4 && targets.rank == 2 && targets.shape[0] == images.shape[0],
                "BatchMixing: images \(images.shape) must be [B, C, H, W] and targets \(targets.shape) [B, classes]")
    }

    private static func mixedTargets(_ targets: Tensor, _ permutation: [Int], _ lambda: Float) -> Tensor {
        let own = targets.detached()
        return own * lambda + own.indexSelect(axis: 0, permutation) * (1 - lambda)
    }

    /// A Beta(α, α) draw from two Gamma(α) draws (Marsaglia–Tsang, with the α < 1 boost).
    static func beta(_ alpha: Float, _ generator: inout RandomGenerator) -> Float {
        require(alpha > 0, "BatchMixing: alpha \(alpha) must be positive")
        let a = gamma(Double(alpha), &generator), b = gamma(Double(alpha), &generator)
        return Float(a / max(a + b, .leastNormalMagnitude))
    }

    private static func gamma(_ shape: Double, _ generator: inout RandomGenerator) -> Double {
        if shape < 1 {
            let u = max(Double(generator.nextUniform()), 1e-12)
            return gamma(shape + 1, &generator) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = Double(generator.nextNormal()), v = Foundation.pow(1 + c * x, 3)
            guard v > 0 else { continue }
            let u = max(Double(generator.nextUniform()), 1e-12)
            if Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return d * v }
        }
    }
}
