import GleanTensor

/// k-means clustering (Lloyd's algorithm from k-means++ seeds), seeded.
public enum KMeans {
    /// Squared distances `[N, k]` between the rows of `points` `[N, D]` and of `centres` `[k, D]`.
    public static func squaredDistances(_ points: Tensor, _ centres: Tensor) -> Tensor {
        withoutGradients {
            let pointNorms = (points * points).sum(axes: [1], keepDims: true)
            let centreNorms = (centres * centres).sum(axes: [1], keepDims: true).transposed()
            return (pointNorms + centreNorms - 2 * points.matmul(centres.transposed())).clamped(min: 0)
        }
    }

    /// Clusters the rows of `points` `[N, D]` into `k` groups.
    ///
    /// - Returns: the cluster of each row, and the centres `[k, D]`.
    public static func cluster(_ points: Tensor, k: Int, iterations: Int = 50, generator: inout RandomGenerator) -> (assignments: [Int], centres: Tensor) {
        let (count, dimension) = (points.shape[0], points.shape[1])
        require(k >= 1 && k <= count, "KMeans: k \(k) must be in 1...\(count) (the number of points)")
        let rows = points.scalars
        func row(_ index: Int) -> ArraySlice<Float> { rows[(index * dimension)..<((index + 1) * dimension)] }
        // k-means++: each next seed drawn with probability proportional to its squared distance to the nearest seed.
        var seeds = [Int(generator.next() % UInt64(count))]
        var nearest = squaredDistances(points, Tensor(Array(row(seeds[0])), shape: [1, dimension])).scalars
        while seeds.count < k {
            let total = nearest.reduce(0, +)
            var target = total > 0 ? generator.nextUniform() * total : 0
            var pick = seeds.last!
            if total > 0 {
                for (index, distance) in nearest.enumerated() {
                    target -= distance
                    if target <= 0 && distance > 0 { pick = index; break }
                }
            } else {
                pick = (0..<count).first { !seeds.contains($0) } ?? pick
            }
            seeds.append(pick)
            let fresh = squaredDistances(points, Tensor(Array(row(pick)), shape: [1, dimension])).scalars
            for index in 0..<count { nearest[index] = Swift.min(nearest[index], fresh[index]) }
        }
        var centres = Tensor(seeds.flatMap { row($0) }, shape: [k, dimension])
        var assignments = [Int](repeating: -1, count: count)
        for _ in 0..<iterations {
            let distances = squaredDistances(points, centres).scalars
            var changed = false
            for index in 0..<count {
                let start = index * k
                var best = 0
                for cluster in 1..<k where distances[start + cluster] < distances[start + best] { best = cluster }
                if assignments[index] != best { assignments[index] = best; changed = true }
            }
            guard changed else { break }
            var sums = [Float](repeating: 0, count: k * dimension), sizes = [Int](repeating: 0, count: k)
            for index in 0..<count {
                let cluster = assignments[index]
                sizes[cluster] += 1
                for d in 0..<dimension { sums[cluster * dimension + d] += rows[index * dimension + d] }
            }
            let previous = centres.scalars
            for cluster in 0..<k {
                for d in 0..<dimension {
                    sums[cluster * dimension + d] = sizes[cluster] > 0 ? sums[cluster * dimension + d] / Float(sizes[cluster])
                        : previous[cluster * dimension + d]
                }
            }
            centres = Tensor(sums, shape: [k, dimension])
        }
        return (assignments, centres)
    }
}
