import Foundation
import Glean

/// How an encoder's features are classified by their nearest labeled neighbours: shared by
/// `glean knn-eval` and the kNN monitor and final report of `glean pretrain`.
struct KNNOptions: Equatable {
    var k = 200
    /// Nil (`auto`): chosen among `KNNNeighbours.temperatureGrid` on the validation images.
    var temperature: Float?

    static let options: [OptionSpec<KNNOptions>] = [
        .value("knn-k", \.k, "Neighbours that vote."),
        .value("knn-temperature", \.temperature, "Vote weights are exp(cosine similarity / T) (auto: the T of "
               + KNNNeighbours.temperatureGrid.map { String($0) }.joined(separator: ", ")
               + " with the best validation accuracy; without validation images, the best on the labeled images with each left out of its own vote)."),
    ]

    func validate(source: String) throws {
        try check(k > 0, source, "knn-k", "must be positive, got \(k)")
        try check(temperature.map { $0 > 0 && $0.isFinite } ?? true, source, "knn-temperature", "must be positive, got \(temperature ?? 0)")
    }

    /// The monitor a run watches each epoch: `bank` and `queries` through `encoder`.
    func validation(encoder: Module, bank: BatchSource, queries: BatchSource) -> KNNValidation {
        KNNValidation(encoder: encoder, bank: bank, queries: queries, k: k, temperature: temperature)
    }

    /// The final kNN evaluation of `encoder` (`KNNEvaluation`): the labeled images are the
    /// bank, the vote temperature is `temperature` or the best on the validation images, and the
    /// test images are classified once.
    func evaluate(encoder: Module, data: ExperimentData) -> KNNResult {
        func features(_ images: ImageDataset) -> FeatureSet {
            FeatureSet.extract(encoder, from: ClassificationLoaders.inOrder(images, data: data))
        }
        return KNNEvaluation.evaluate(bank: features(data.labeled), validation: data.validation.map(features), test: features(data.test),
                                      k: k, temperature: temperature)
    }
}
