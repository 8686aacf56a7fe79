import Foundation
import Glean
import Testing

/// Random points on the unit sphere's neighbourhood, seeded.
private func randomFeatures(count: Int, width: Int, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor((0..<(count * width)).map { _ in Float(generator.nextUniform() * 2 - 1) }, shape: [count, width])
}

/// Cosine similarity of rows `a` and `b` of `values` (`width` columns), in Double.
private func cosine(_ values: [Float], _ a: Int, _ b: Int, width: Int) -> Double {
    var dot = 0.0, normA = 0.0, normB = 0.0
    for column in 0..<width {
        let (x, y) = (Double(values[a * width + column]), Double(values[b * width + column]))
        dot += x * y
        normA += x * x
        normB += y * y
    }
    return dot / (normA.squareRoot() * normB.squareRoot())
}

@Suite struct LabelPropagationTests {
    /// Every point's neighbours are the k most cosine-similar other points, in order, found by
    /// sorting all similarities in Double (blocks of 7 rows, so blocks end mid-set).
    @Test func graphHoldsTheNearestOtherPoints() {
        let (count, width, k) = (60, 5, 4)
        let features = randomFeatures(count: count, width: width, seed: 1)
        let graph = NeighbourGraph(features: features, k: k, blockRows: 7)
        let values = features.scalars
        for point in 0..<count {
            let expected = (0..<count).filter { $0 != point }
                .sorted { cosine(values, point, $0, width: width) > cosine(values, point, $1, width: width) }.prefix(k)
            #expect(graph.neighbours[(point * k)..<(point * k + k)].map(Int.init) == Array(expected), "point \(point)")
            for (slot, other) in expected.enumerated() {
                #expect(abs(Double(graph.similarities[point * k + slot]) - cosine(values, point, other, width: width)) < 1e-5)
            }
        }
    }

    /// The sparse propagation equals the dense iteration F ← α·D^-1/2 (W + Wᵀ) D^-1/2 · F + Y
    /// computed here in Double from the graph, and the confidences are 1 − H(p) / log C.
    @Test func propagationMatchesTheDenseIteration() {
        let (count, classes) = (40, 3)
        let features = randomFeatures(count: count, width: 6, seed: 2)
        let propagation = LabelPropagation(neighbours: 5, power: 3, alpha: 0.9, iterations: 12)
        let labels = [0: 0, 1: 1, 2: 2, 3: 0]
        let graph = NeighbourGraph(features: features, k: 5)
        let result = propagation.propagate(graph: graph, labels: labels, classCount: classes)
        var weights = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
        for point in 0..<count {
            for slot in 0..<5 {
                let other = Int(graph.neighbours[point * 5 + slot]), weight = pow(max(Double(graph.similarities[point * 5 + slot]), 0), 3)
                weights[point][other] += weight
                weights[other][point] += weight
            }
        }
        let roots = weights.map { row -> Double in let degree = row.reduce(0, +); return degree > 0 ? 1 / degree.squareRoot() : 0 }
        var seed = [[Double]](repeating: [Double](repeating: 0, count: classes), count: count)
        for (point, label) in labels { seed[point][label] = 1 }
        var scores = seed
        for _ in 0..<12 {
            var next = seed
            for point in 0..<count {
                for other in 0..<count where weights[point][other] > 0 {
                    let weight: Double = 0.9 * roots[point] * weights[point][other] * roots[other]
                    for column in 0..<classes { next[point][column] += weight * scores[other][column] }
                }
            }
            scores = next
        }
        for point in 0..<count {
            let row = scores[point].map { max($0, 0) }, total = row.reduce(0, +)
            let expected = total > 0 ? row.map { $0 / total } : [Double](repeating: 1.0 / Double(classes), count: classes)
            for column in 0..<classes { #expect(abs(Double(result.probabilities[point][column]) - expected[column]) < 1e-4, "point \(point)") }
            let entropy = expected.reduce(0.0) { $0 - ($1 > 0 ? $1 * log($1) : 0) }
            #expect(abs(Double(result.confidences[point]) - (1 - entropy / log(Double(classes)))) < 1e-4)
        }
    }

    /// Two well-separated clusters with one label each: propagation labels every point of a
    /// cluster with its label, which a nearest-labeled-point vote would also do, and labels a
    /// chain that bends away from the other cluster's labeled point by its own end — the case a
    /// single nearest neighbour gets wrong.
    @Test func labelsFollowTheChainNotTheNearestLabel() {
        // A chain of points along x from 0 to 10 (class 0 labeled at x = 0), and a point of class
        // 1 labeled at (12, 3): the chain's far end is nearer to it than to x = 0, but connected
        // to x = 0 through its neighbours.
        var rows: [[Float]] = (0...20).map { [Float($0) * 0.5, 0, 1] }
        rows.append([12, 3, 1])
        rows += (1...6).map { [12, 3 + Float($0) * 0.5, 1] }
        // Features whose cosine orders neighbours like the Euclidean distance does at this scale:
        // a large constant third column keeps all vectors near one direction.
        let features = Tensor(rows.flatMap { [$0[0], $0[1], 40] }, shape: [rows.count, 3])
        let result = LabelPropagation(neighbours: 2, power: 1, alpha: 0.99, iterations: 200)
            .propagate(features: features, labels: [0: 0, 21: 1], classCount: 2)
        #expect(result.labels[..<21].allSatisfy { $0 == 0 }, "\(result.labels)")
        #expect(result.labels[21...].allSatisfy { $0 == 1 }, "\(result.labels)")
    }
}
