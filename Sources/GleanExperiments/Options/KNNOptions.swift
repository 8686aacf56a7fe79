import Foundation
import Glean

extension FeatureReadout: OptionChoice {}

/// How an encoder's features are classified by their nearest labeled neighbours: shared by
/// `glean knn-eval` and the kNN monitor and final report of `glean pretrain`.
public struct KNNOptions: Equatable {
    /// Nil (`auto`): `KNNEvaluation.defaultK` of the bank, 200 or the images per class if fewer.
    public var k: Int?
    /// Nil (`auto`): chosen among `KNNNeighbours.temperatureGrid` on the validation images.
    public var temperature: Float?
    /// What the vote compares: a ResNet's last stage on a 2x2 grid (the default) or pooled whole.
    public var features = FeatureReadout.grid

    public static let options: [OptionSpec<KNNOptions>] = [
        .value("knn-k", \.k, "Neighbours that vote (auto: 200, or the bank's images per class where fewer)."),
        .value("knn-temperature", \.temperature, "Vote weights are exp(cosine similarity / T) (auto: the T of "
               + KNNNeighbours.temperatureGrid.map { String($0) }.joined(separator: ", ")
               + " with the best validation accuracy; without validation images, the best on the labeled images with each left out of its own vote)."),
        .value("knn-features", \.features, "What the vote compares: grid (a ResNet's last stage averaged over a 2x2 grid of regions, 4x its pooled width: "
               + "the vote sees where a feature is) or pooled (averaged over the whole image, what its classifier reads). SeedNet has only its pooled features."),
    ]

    public func validate(source: String) throws {
        try check(k.map { $0 > 0 } ?? true, source, "knn-k", "must be positive, got \(k ?? 0)")
        try check(temperature.map { $0 > 0 && $0.isFinite } ?? true, source, "knn-temperature", "must be positive, got \(temperature ?? 0)")
    }

    /// The k for a bank of `images` (their labels counted by class).
    public func k(for images: ImageDataset) -> Int {
        k ?? KNNEvaluation.defaultK(bankCount: images.count, classCount: images.classCount)
    }

    /// The monitor a run watches each epoch: the `bank` images and `queries` through `encoder`, read as `features`.
    public func validation(encoder: Module, bank: ImageDataset, queries: ImageDataset, data: ExperimentData) -> KNNValidation {
        KNNValidation(encoder: features.module(reading: encoder), bank: ClassificationLoaders.inOrder(bank, data: data),
                      queries: ClassificationLoaders.inOrder(queries, data: data), k: k(for: bank), temperature: temperature)
    }

    /// The final kNN evaluation of `encoder` read as `features` (`KNNEvaluation`): the labeled images are the
    /// bank, the vote temperature is `temperature` or the best on the validation images, and the
    /// test images are classified once.
    public func evaluate(encoder: Module, data: ExperimentData) -> KNNResult {
        let readout = features.module(reading: encoder)
        func extract(_ images: ImageDataset) -> FeatureSet {
            FeatureSet.extract(readout, from: ClassificationLoaders.inOrder(images, data: data))
        }
        return KNNEvaluation.evaluate(bank: extract(data.labeled), validation: data.validation.map(extract), test: extract(data.test),
                                      k: k(for: data.labeled), temperature: temperature)
    }
}
