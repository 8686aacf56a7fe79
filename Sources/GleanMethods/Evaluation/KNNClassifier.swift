import Foundation
import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// The weighted k-nearest-neighbour classifier of instance-discrimination papers (used by
/// SimCLR codebases as a monitor): features are L2-normalised, a query's k most cosine-similar
/// bank features vote for their class with weight exp(similarity / temperature).
public struct KNNClassifier {
    public let bank: FeatureSet
    public let k: Int
    public let temperature: Float
    private let normalizedBank: Tensor

    public init(bank: FeatureSet, k: Int = 200, temperature: Float = 0.1) {
        require(k > 0 && temperature > 0, "KNNClassifier: k (\(k)) and temperature (\(temperature)) must be positive")
        require(bank.count > 0, "KNNClassifier: the bank is empty")
        self.bank = bank
        self.k = Swift.min(k, bank.count)
        self.temperature = temperature
        normalizedBank = bank.features.l2Normalized(axis: 1)
    }

    /// Top-1 and top-5 accuracy on `queries` (their labels are the truth).
    public func evaluate(_ queries: FeatureSet) -> (top1: Double, top5: Double) {
        require(queries.featureCount == bank.featureCount,
                "KNNClassifier: queries have \(queries.featureCount) features, the bank \(bank.featureCount)")
        let classCount = bank.classCount
        var top1 = 0, top5 = 0
        let chunk = 512
        for start in stride(from: 0, to: queries.count, by: chunk) {
            let end = Swift.min(start + chunk, queries.count)
            let similarity = queries.features.sliced(axis: 0, start..<end).l2Normalized(axis: 1)
                .matmul(normalizedBank.transposed()).scalars
            for row in 0..<(end - start) {
                let scores = votes(similarity, row: row, classCount: classCount)
                let truth = queries.labels[start + row]
                let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
                if ranked.first == truth { top1 += 1 }
                if ranked.prefix(5).contains(truth) { top5 += 1 }
            }
        }
        let total = Double(Swift.max(queries.count, 1))
        return (Double(top1) / total, Double(top5) / total)
    }

    /// Class scores of one query row of the `[queries, bank]` similarity matrix.
    private func votes(_ similarity: [Float], row: Int, classCount: Int) -> [Float] {
        let width = bank.count
        var nearest: [(similarity: Float, index: Int)] = []
        nearest.reserveCapacity(k + 1)
        var floor = -Float.infinity
        similarity.withUnsafeBufferPointer { values in
            let base = row * width
            for index in 0..<width where values[base + index] > floor || nearest.count < k {
                let value = values[base + index]
                let position = nearest.firstIndex { $0.similarity < value } ?? nearest.count
                nearest.insert((value, index), at: position)
                if nearest.count > k { nearest.removeLast() }
                floor = nearest.count == k ? nearest[k - 1].similarity : -Float.infinity
            }
        }
        var scores = [Float](repeating: 0, count: classCount)
        for (value, index) in nearest { scores[bank.labels[index]] += Foundation.exp(value / temperature) }
        return scores
    }
}

/// Validation of an encoder by kNN: each epoch, bank images and query images go through
/// `encoder` and the queries are classified by their neighbours in the bank
/// (`knn_accuracy`, `knn_top5`). SimCLR's monitor while it trains without labels.
public struct KNNValidation: Validation {
    public let encoder: Module
    public let bank: BatchSource, queries: BatchSource
    public let k: Int, temperature: Float

    public init(encoder: Module, bank: BatchSource, queries: BatchSource, k: Int = 200, temperature: Float = 0.1) {
        self.encoder = encoder
        self.bank = bank
        self.queries = queries
        self.k = k
        self.temperature = temperature
    }

    public func validate(_ model: Module) -> EpochMetrics {
        let classifier = KNNClassifier(bank: FeatureSet.extract(encoder, from: bank), k: k, temperature: temperature)
        let (top1, top5) = classifier.evaluate(FeatureSet.extract(encoder, from: queries))
        var metrics: EpochMetrics = ["knn_accuracy": top1]
        if bank.classCount >= 5 { metrics["knn_top5"] = top5 }
        return metrics
    }
}
