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
    /// `[features, bank]`: the bank's normalised features, transposed for the similarity product.
    private let normalizedBank: Tensor

    /// `bank.features`: `[count, features]`.
    public init(bank: FeatureSet, k: Int = 200) {
        require(k > 0, "KNNClassifier: k (\(k)) must be positive")
        require(bank.count > 0, "KNNClassifier: the bank is empty")
        self.bank = bank
        self.k = Swift.min(k, bank.count)
        normalizedBank = bank.features.l2Normalized(axis: 1).transposed().contiguous()
    }

    /// Top-1 and top-5 accuracy on `queries` (their labels are the truth) with votes weighted
    /// by exp(similarity / `temperature`).
    public func evaluate(_ queries: FeatureSet, temperature: Float = 0.1) -> (top1: Double, top5: Double) {
        neighbours(of: queries).accuracy(temperature: temperature)
    }

    /// Each query's `k` most similar bank entries, most similar first. With `leavingOneOut` the
    /// queries are the bank itself, in order, and each entry's own place is left out (its vote
    /// weight is 0): how a vote temperature is chosen on the labeled images alone.
    public func neighbours(of queries: FeatureSet, leavingOneOut: Bool = false) -> KNNNeighbours {
        require(queries.featureCount == bank.featureCount,
                "KNNClassifier: queries have \(queries.featureCount) features, the bank \(bank.featureCount)")
        require(!leavingOneOut || queries.count == bank.count, "KNNClassifier: leaving one out needs the bank as the queries")
        var similarities = [Float](), labels = [Int]()
        similarities.reserveCapacity(queries.count * k)
        labels.reserveCapacity(queries.count * k)
        let chunk = 512
        for start in stride(from: 0, to: queries.count, by: chunk) {
            let end = Swift.min(start + chunk, queries.count)
            var similarity = queries.features.sliced(axis: 0, start..<end).l2Normalized(axis: 1).matmul(normalizedBank).scalars
            if leavingOneOut {
                for row in 0..<(end - start) { similarity[row * bank.count + start + row] = -.infinity }
            }
            for row in 0..<(end - start) {
                for (value, index) in nearest(similarity, row: row) {
                    similarities.append(value)
                    labels.append(bank.labels[index])
                }
            }
        }
        return KNNNeighbours(k: k, similarities: similarities, labels: labels, truth: queries.labels, classCount: bank.classCount)
    }

    /// The `k` largest entries of one row of the `[queries, bank]` similarity matrix, largest first.
    private func nearest(_ similarity: [Float], row: Int) -> [(similarity: Float, index: Int)] {
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
        return nearest
    }
}

/// The neighbours `KNNClassifier` found for a set of queries: enough to score any vote
/// temperature without searching the bank again.
public struct KNNNeighbours {
    public let k: Int
    /// `queries × k` similarities, each query's in decreasing order.
    public let similarities: [Float]
    /// The classes of those neighbours.
    public let labels: [Int]
    /// The queries' true classes.
    public let truth: [Int]
    public let classCount: Int

    /// The vote temperatures `best(among:)` tries by default.
    public static let temperatureGrid: [Float] = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.2, 0.5]

    /// Top-1 and top-5 accuracy when every neighbour votes with weight exp(similarity / `temperature`).
    /// The weights are taken relative to the query's nearest neighbour, exp((s - s_max) / T),
    /// which leaves the vote unchanged and keeps small temperatures finite.
    public func accuracy(temperature: Float) -> (top1: Double, top5: Double) {
        require(temperature > 0, "KNNNeighbours: temperature \(temperature) must be positive")
        var top1 = 0, top5 = 0
        var scores = [Float](repeating: 0, count: classCount)
        for query in truth.indices {
            for index in scores.indices { scores[index] = 0 }
            let base = query * k, nearest = similarities[base]
            for slot in base..<(base + k) {
                scores[labels[slot]] += Foundation.exp((similarities[slot] - nearest) / temperature)
            }
            // Rank of the true class: classes that outscore it (ties go to the lower class index).
            let truthScore = scores[truth[query]]
            let rank = scores.indices.filter { scores[$0] > truthScore || (scores[$0] == truthScore && $0 < truth[query]) }.count
            if rank == 0 { top1 += 1 }
            if rank < 5 { top5 += 1 }
        }
        let total = Double(Swift.max(truth.count, 1))
        return (Double(top1) / total, Double(top5) / total)
    }

    /// The temperature of `candidates` with the best top-1 accuracy on these queries (the
    /// smallest such on ties), and its accuracies.
    public func best(among candidates: [Float] = temperatureGrid) -> (temperature: Float, top1: Double, top5: Double) {
        require(!candidates.isEmpty, "KNNNeighbours.best: no candidate temperatures")
        var best = (temperature: candidates[0], top1: -1.0, top5: 0.0)
        for temperature in candidates {
            let (top1, top5) = accuracy(temperature: temperature)
            if top1 > best.top1 { best = (temperature, top1, top5) }
        }
        return best
    }
}

/// Validation of an encoder by kNN: each epoch, bank images and query images go through
/// `encoder` and the queries are classified by their neighbours in the bank
/// (`knn_accuracy`, `knn_top5`). SimCLR's monitor while it trains without labels.
/// With `temperature` nil the vote temperature is the best of `KNNNeighbours.temperatureGrid`
/// on the queries, reported as `knn_temperature`.
public struct KNNValidation: Validation {
    public let encoder: Module
    public let bank: BatchSource, queries: BatchSource
    public let k: Int, temperature: Float?

    public init(encoder: Module, bank: BatchSource, queries: BatchSource, k: Int = 200, temperature: Float? = 0.1) {
        self.encoder = encoder
        self.bank = bank
        self.queries = queries
        self.k = k
        self.temperature = temperature
    }

    public func validate(_ model: Module) -> EpochMetrics {
        let classifier = KNNClassifier(bank: FeatureSet.extract(encoder, from: bank), k: k)
        let neighbours = classifier.neighbours(of: FeatureSet.extract(encoder, from: queries))
        let chosen: (temperature: Float, top1: Double, top5: Double)
        if let temperature {
            let (top1, top5) = neighbours.accuracy(temperature: temperature)
            chosen = (temperature, top1, top5)
        } else {
            chosen = neighbours.best()
        }
        var metrics: EpochMetrics = ["knn_accuracy": chosen.top1]
        if bank.classCount >= 5 { metrics["knn_top5"] = chosen.top5 }
        if temperature == nil { metrics["knn_temperature"] = Double(chosen.temperature) }
        return metrics
    }
}
