import GleanData
import GleanNN
import GleanTensor

/// The two losses of a pseudo-labeling step with MixUp or CutMix (Arazo et al. 2020, against
/// confirmation bias), shared by online pseudo-labeling and FixMatch: the labeled batch (one-hot
/// labels) and the unlabeled images (their pseudo-labels; rows below the threshold are zero and
/// keep only the partner's share once mixed) are each mixed within themselves, both go through
/// the model in one training pass, and each cross-entropy takes its mixed targets.
enum MixedPseudoLabelLosses {
    /// - Parameters:
    ///   - labeled: the labeled batch, images `[B, C, H, W]`.
    ///   - unlabeledImages: `[U, C, H, W]`, the images the pseudo-labels are the targets of
    ///     (online pseudo-labeling: the unlabeled batch; FixMatch: its strong view).
    ///   - pseudo: the pseudo-labels of those `U` images.
    ///   - generator: draws both mixings (labeled first).
    /// - Returns: the mean cross-entropy of the mixed labeled batch and `Σ CE / U` of the mixed
    ///   unlabeled images.
    static func losses(model: Module, kind: BatchMixing.Kind, labeled: Batch, unlabeledImages: Tensor, pseudo: PseudoLabels,
                       generator: inout RandomGenerator) -> (supervised: Tensor, unsupervised: Tensor) {
        let count = labeled.labels.count
        let mixedLabeled = BatchMixing.mix(kind, images: labeled.images, targets: .oneHot(labeled.labels, classes: pseudo.classCount),
                                           generator: &generator)
        let mixedUnlabeled = BatchMixing.mix(kind, images: unlabeledImages, targets: pseudo.targets, generator: &generator)
        let logits = model(Tensor.concat([mixedLabeled.images, mixedUnlabeled.images], axis: 0))
        return (logits.sliced(axis: 0, 0..<count).crossEntropy(targets: mixedLabeled.targets),
                PseudoLabels.crossEntropy(logits.sliced(axis: 0, count..<logits.shape[0]), targets: mixedUnlabeled.targets))
    }
}
