import GleanTensor

/// Which unlabeled images a person should label next, from their embeddings `[N, D]`.
///
/// - `typiclust` (Hacohen, Dekel and Weinshall, 2022), for a cold start: k-means into
///   `min(labeled + budget, 500)` clusters; each pick takes the cluster with the fewest labeled
///   images (the largest first) and in it the most typical image — the highest inverse mean
///   distance to its `min(20, size − 1)` nearest neighbours in the cluster.
/// - `kCenterGreedy` (Sener and Savarese, 2018): each pick is the image farthest from every
///   labeled or picked image.
/// - `random`: uniform among the unlabeled images (the baseline).
/// - `marginInClusters`, for later rounds: k-means into `budget` clusters of the unlabeled
///   images, and from each the image whose two most probable classes are closest (smallest
///   margin) under the current model.
/// Embeddings are compared after L2 normalisation. Labeled images are never chosen.
public enum ActiveSelection {
    /// One chosen image and why.
    public struct Choice: Equatable, Sendable {
        public let index: Int
        public let reason: String
    }

    /// The rows scaled to unit length (rows of zeros stay zero).
    public static func normalised(_ features: Tensor) -> Tensor {
        withoutGradients { features * (features * features).sum(axes: [1], keepDims: true).clamped(min: 1e-12).pow(-0.5) }
    }

    static func checkBudget(_ budget: Int, count: Int, labeled: Set<Int>) {
        require(budget >= 1 && budget <= count - labeled.count,
                "ActiveSelection: budget \(budget) must be in 1...\(count - labeled.count) (the unlabeled images)")
    }

    public static func random(count: Int, labeled: Set<Int>, budget: Int, generator: inout RandomGenerator) -> [Choice] {
        checkBudget(budget, count: count, labeled: labeled)
        // One permutation of the whole pile for a seed, read past the labeled images: with the
        // same seed, a later round continues the first round's draw (rounds of 100 and 50 are a
        // uniform draw of 150) instead of shuffling a nearly equal list into nearly equal picks.
        return Array(0..<count).shuffled(using: &generator).lazy.filter { !labeled.contains($0) }.prefix(budget)
            .map { Choice(index: $0, reason: "random") }
    }

    public static func typiclust(_ features: Tensor, labeled: Set<Int>, budget: Int, maximumClusters: Int = 500,
                                 generator: inout RandomGenerator) -> [Choice] {
        let count = features.shape[0]
        checkBudget(budget, count: count, labeled: labeled)
        let points = normalised(features)
        let clusterCount = Swift.min(labeled.count + budget, maximumClusters, count)
        let (assignments, _) = KMeans.cluster(points, k: clusterCount, generator: &generator)
        var members = [[Int]](repeating: [], count: clusterCount)
        for (index, cluster) in assignments.enumerated() { members[cluster].append(index) }
        var covered = [Int](repeating: 0, count: clusterCount)
        var taken = labeled
        for index in labeled { covered[assignments[index]] += 1 }
        var typicality: [Int: [Float]] = [:]
        var choices: [Choice] = []
        for _ in 0..<budget {
            let open = (0..<clusterCount).filter { cluster in members[cluster].contains { !taken.contains($0) } }
            let cluster = open.min { (covered[$0], -members[$0].count) < (covered[$1], -members[$1].count) }!
            if typicality[cluster] == nil { typicality[cluster] = clusterTypicality(points, members: members[cluster]) }
            let scores = typicality[cluster]!
            let best = members[cluster].indices.filter { !taken.contains(members[cluster][$0]) }.max { scores[$0] < scores[$1] }!
            let index = members[cluster][best]
            choices.append(Choice(index: index, reason: "most typical of cluster \(cluster) (\(members[cluster].count) images, "
                                  + "\(covered[cluster]) labeled before)"))
            taken.insert(index)
            covered[cluster] += 1
        }
        return choices
    }

    /// Inverse mean distance of each member to its nearest neighbours in the cluster.
    static func clusterTypicality(_ points: Tensor, members: [Int]) -> [Float] {
        guard members.count > 1 else { return [1] }
        let subset = points.indexSelect(axis: 0, members)
        let distances = KMeans.squaredDistances(subset, subset).scalars.map { $0.squareRoot() }
        let size = members.count, neighbours = Swift.min(20, size - 1)
        return (0..<size).map { row in
            let nearest = (0..<size).filter { $0 != row }.map { distances[row * size + $0] }.sorted().prefix(neighbours)
            return 1 / (nearest.reduce(0, +) / Float(neighbours) + 1e-8)
        }
    }

    public static func kCenterGreedy(_ features: Tensor, labeled: Set<Int>, budget: Int, generator: inout RandomGenerator) -> [Choice] {
        let count = features.shape[0]
        checkBudget(budget, count: count, labeled: labeled)
        let points = normalised(features)
        let dimension = points.shape[1]
        let rows = points.scalars
        func distances(to index: Int) -> [Float] {
            KMeans.squaredDistances(points, Tensor(Array(rows[(index * dimension)..<((index + 1) * dimension)]), shape: [1, dimension])).scalars
        }
        var nearest = [Float](repeating: .infinity, count: count)
        var taken = labeled
        for index in labeled { for (i, d) in distances(to: index).enumerated() { nearest[i] = Swift.min(nearest[i], d) } }
        var choices: [Choice] = []
        for _ in 0..<budget {
            let candidates = (0..<count).filter { !taken.contains($0) }
            let index = taken.isEmpty ? candidates[Int(generator.next() % UInt64(candidates.count))]
                : candidates.max { nearest[$0] < nearest[$1] }!
            choices.append(Choice(index: index, reason: taken.isEmpty ? "first centre (random)"
                                  : String(format: "farthest from the chosen (distance %.3f)", nearest[index].squareRoot())))
            taken.insert(index)
            for (i, d) in distances(to: index).enumerated() { nearest[i] = Swift.min(nearest[i], d) }
        }
        return choices
    }

    public static func marginInClusters(_ features: Tensor, probabilities: [[Float]], labeled: Set<Int>, budget: Int,
                                        generator: inout RandomGenerator) -> [Choice] {
        let count = features.shape[0]
        checkBudget(budget, count: count, labeled: labeled)
        require(probabilities.count == count, "ActiveSelection: \(probabilities.count) rows of probabilities for \(count) images")
        let unlabeled = (0..<count).filter { !labeled.contains($0) }
        let margins = probabilities.map { row -> Float in
            let sorted = row.sorted(by: >)
            return sorted.count > 1 ? sorted[0] - sorted[1] : 1
        }
        let (assignments, _) = KMeans.cluster(normalised(features).indexSelect(axis: 0, unlabeled), k: budget, generator: &generator)
        var best: [Int: Int] = [:]
        for (position, cluster) in assignments.enumerated() {
            let index = unlabeled[position]
            if let current = best[cluster], margins[current] <= margins[index] { continue }
            best[cluster] = index
        }
        var choices = best.sorted { margins[$0.value] < margins[$1.value] }.map { cluster, index in
            Choice(index: index, reason: String(format: "smallest margin (%.3f) in cluster %d", margins[index], cluster))
        }
        // Clusters left empty by k-means: the smallest margins elsewhere fill the budget.
        let chosen = Set(choices.map(\.index))
        for index in unlabeled.filter({ !chosen.contains($0) }).sorted(by: { margins[$0] < margins[$1] }).prefix(budget - choices.count) {
            choices.append(Choice(index: index, reason: String(format: "smallest margin (%.3f)", margins[index])))
        }
        return choices
    }
}
