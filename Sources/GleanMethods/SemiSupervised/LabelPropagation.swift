import Foundation
import GleanData
import GleanTensor

/// Label propagation (Zhou et al. 2004, "Learning with local and global consistency"; used for
/// deep semi-supervised learning by Iscen et al. 2019): the few known labels spread over the
/// k-nearest-neighbour graph of all images' features, so an unlabeled image takes the class of
/// the labeled images it is connected to through dense regions, not only its nearest one.
///
/// The graph's edge weights are the neighbours' cosine similarities raised to `power` (negative
/// ones dropped), made symmetric (W + Wᵀ) and normalised (D^-1/2 W D^-1/2); the scores
/// F ← `alpha` · W F + Y start from the one-hot rows Y of the labeled points and run
/// `iterations` times.
public struct LabelPropagation: Sendable {
    public let neighbours: Int
    public let power: Float
    public let alpha: Float
    public let iterations: Int

    public init(neighbours: Int = 10, power: Float = 3, alpha: Float = 0.99, iterations: Int = 30) {
        require(neighbours > 0, "LabelPropagation: neighbours (\(neighbours)) must be positive")
        require(alpha > 0 && alpha < 1, "LabelPropagation: alpha (\(alpha)) must be in (0, 1)")
        require(iterations > 0, "LabelPropagation: iterations (\(iterations)) must be positive")
        self.neighbours = neighbours
        self.power = power
        self.alpha = alpha
        self.iterations = iterations
    }

    /// What propagation gives every point: class probabilities (the scores normalised per row;
    /// uniform where no label reached the point), and the confidence 1 − H(p) / log C of each.
    public struct Result: Sendable {
        /// `count` rows of `classCount` probabilities.
        public let probabilities: [[Float]]
        public let confidences: [Float]

        /// The most probable class of each point.
        public var labels: [Int] {
            probabilities.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
        }
    }

    /// Propagates `labels` (point index → class) over the graph of `features`
    /// (`[count, featureCount]`, one row per point, the labeled points among them).
    public func propagate(features: Tensor, labels: [Int: Int], classCount: Int) -> Result {
        require(classCount > 1, "LabelPropagation: needs at least two classes, got \(classCount)")
        let count = features.shape[0]
        require(labels.keys.allSatisfy { (0..<count).contains($0) } && labels.values.allSatisfy { (0..<classCount).contains($0) },
                "LabelPropagation: labeled points must be rows of the features and classes below \(classCount)")
        return propagate(graph: NeighbourGraph(features: features, k: Swift.min(neighbours, count - 1)), labels: labels, classCount: classCount)
    }

    /// Propagates `labels` over a graph built before (`NeighbourGraph`).
    public func propagate(graph: NeighbourGraph, labels: [Int: Int], classCount: Int) -> Result {
        let count = graph.count, k = graph.k
        // Symmetric weights as edge lists: each directed edge i -> j also counts as j -> i.
        var edges = [[(Int32, Float)]](repeating: [], count: count)
        for point in 0..<count {
            for slot in (point * k)..<(point * k + k) {
                let weight = Foundation.pow(Swift.max(graph.similarities[slot], 0), power)
                guard weight > 0 else { continue }
                let other = Int(graph.neighbours[slot])
                edges[point].append((Int32(other), weight))
                edges[other].append((Int32(point), weight))
            }
        }
        let degreeRoots = edges.map { list -> Float in
            let degree = list.reduce(0) { $0 + $1.1 }
            return degree > 0 ? 1 / degree.squareRoot() : 0
        }
        let normalized = edges.enumerated().map { point, list in
            list.map { ($0.0, $0.1 * degreeRoots[point] * degreeRoots[Int($0.0)]) }
        }
        var seed = [Float](repeating: 0, count: count * classCount)
        for (point, label) in labels { seed[point * classCount + label] = 1 }
        var scores = seed, next = seed
        for _ in 0..<iterations {
            scores.withUnsafeBufferPointer { current in
                next.withUnsafeMutableBufferPointer { output in
                    let (source, target) = (current.baseAddress!, output.baseAddress!)
                    Parallel.chunks(count, minimumPerChunk: 4096) { points in
                        for point in points {
                            let row = target + point * classCount
                            for column in 0..<classCount { row[column] = seed[point * classCount + column] }
                            for (other, weight) in normalized[point] {
                                let scaled = alpha * weight, from = source + Int(other) * classCount
                                for column in 0..<classCount { row[column] += scaled * from[column] }
                            }
                        }
                    }
                }
            }
            swap(&scores, &next)
        }
        let logClasses = Foundation.log(Float(classCount))
        var probabilities: [[Float]] = [], confidences: [Float] = []
        probabilities.reserveCapacity(count)
        for point in 0..<count {
            let row = Array(scores[(point * classCount)..<((point + 1) * classCount)]).map { Swift.max($0, 0) }
            let total = row.reduce(0, +)
            let normalizedRow = total > 0 ? row.map { $0 / total } : [Float](repeating: 1 / Float(classCount), count: classCount)
            let entropy = normalizedRow.reduce(Float(0)) { $0 - ($1 > 0 ? $1 * Foundation.log($1) : 0) }
            probabilities.append(normalizedRow)
            confidences.append(1 - entropy / logClasses)
        }
        return Result(probabilities: probabilities, confidences: confidences)
    }
}

extension LabelPropagation {
    /// Propagates `labels` — the classes of the first `labels.count` rows of `features`
    /// (`[count, featureCount]`) — to the other rows, and returns those rows' results, in order.
    public func propagate(features: Tensor, leadingLabels labels: [Int], classCount: Int) -> Result {
        let known = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.offset, $0.element) })
        let result = propagate(features: features, labels: known, classCount: classCount)
        return Result(probabilities: Array(result.probabilities.dropFirst(labels.count)),
                      confidences: Array(result.confidences.dropFirst(labels.count)))
    }

    /// Propagates the labels of `labeled` to the images of `unlabeled` over the graph of both
    /// sets' centred pixels (each pixel value in [0, 1] minus that pixel's mean over the two
    /// sets, so that the cosine compares shapes, not overall brightness); the result's rows are
    /// those of `unlabeled`, in order.
    public func propagateOverPixels(labeled: ImageDataset, unlabeled: ImageDataset) -> Result {
        let all = FeatureSet.pixels(of: labeled.appending(unlabeled)).features
        let (count, width) = (all.shape[0], all.shape[1])
        var means = [Double](repeating: 0, count: width)
        let values = all.scalars
        for row in 0..<count {
            for column in 0..<width { means[column] += Double(values[row * width + column]) }
        }
        let centred = Tensor(shape: [count, width]) { buffer in
            for row in 0..<count {
                for column in 0..<width { buffer[row * width + column] = values[row * width + column] - Float(means[column] / Double(count)) }
            }
        }
        return propagate(features: centred, leadingLabels: labeled.labels, classCount: labeled.classCount)
    }
}
