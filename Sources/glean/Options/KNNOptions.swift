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
               + " with the best validation accuracy; 0.1 without validation images)."),
    ]

    func validate(source: String) throws {
        try check(k > 0, source, "knn-k", "must be positive, got \(k)")
        try check(temperature.map { $0 > 0 && $0.isFinite } ?? true, source, "knn-temperature", "must be positive, got \(temperature ?? 0)")
    }

    /// The temperature `auto` stands for where there are no validation images to choose one.
    static let fallbackTemperature: Float = 0.1

    /// The monitor a run watches each epoch: `bank` and `queries` through `encoder`.
    func validation(encoder: Module, bank: BatchSource, queries: BatchSource) -> KNNValidation {
        KNNValidation(encoder: encoder, bank: bank, queries: queries, k: k, temperature: temperature)
    }

    /// The final kNN evaluation of `encoder`: the labeled images are the bank, the vote
    /// temperature is `temperature` or the best on the validation images, and the test images
    /// are classified once.
    func evaluate(encoder: Module, data: ExperimentData) -> KNNResult {
        let classifier = KNNClassifier(bank: FeatureSet.extract(encoder, from: ClassificationLoaders.inOrder(data.labeled, data: data)),
                                       k: k)
        var chosen = temperature ?? Self.fallbackTemperature
        var validationTop1: Double?
        if let validation = data.validation {
            let neighbours = classifier.neighbours(of: FeatureSet.extract(encoder, from: ClassificationLoaders.inOrder(validation, data: data)))
            if temperature == nil { chosen = neighbours.best().temperature }
            validationTop1 = neighbours.accuracy(temperature: chosen).top1
        }
        let test = classifier.neighbours(of: FeatureSet.extract(encoder, from: ClassificationLoaders.inOrder(data.test, data: data)))
            .accuracy(temperature: chosen)
        return KNNResult(top1: test.top1, top5: test.top5, validationTop1: validationTop1, temperature: chosen,
                         chosenOnValidation: temperature == nil && data.validation != nil, k: classifier.k,
                         bankCount: data.labeled.count, testCount: data.test.count)
    }
}

/// What a final kNN evaluation measured, and how.
struct KNNResult {
    let top1: Double, top5: Double
    let validationTop1: Double?
    let temperature: Float
    let chosenOnValidation: Bool
    let k: Int
    let bankCount: Int, testCount: Int

    /// One line for the log and the report.
    var summary: String {
        let how = chosenOnValidation ? "chosen on the validation images" : "fixed"
        let validation = validationTop1.map { "; validation " + percent($0) } ?? ""
        return "kNN test accuracy: \(percent(top1)) (top-5 \(percent(top5))) on \(testCount) test images\(validation); "
            + "bank of \(bankCount) labeled images, k = \(k), temperature \(temperature) (\(how))"
    }

    private func percent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }
}
