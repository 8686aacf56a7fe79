import GleanTensor

/// The k-nearest-neighbour graph of a set of feature vectors under cosine similarity: for each
/// point, its `k` most similar other points and their similarities. The graph label
/// propagation spreads labels over.
public struct NeighbourGraph: Sendable {
    public let count: Int
    public let k: Int
    /// `count × k` neighbour indices, each point's most similar first.
    public let neighbours: [Int32]
    /// The cosine similarities of those neighbours.
    public let similarities: [Float]

    /// Builds the graph of the rows of `features` (`[count, featureCount]`; normalised here) by
    /// blocks of `blockRows` rows against all rows, so memory stays at `blockRows × count` floats.
    public init(features: Tensor, k: Int, blockRows: Int = 1024) {
        require(features.rank == 2, "NeighbourGraph: features must be [count, features], got \(features.shape)")
        let count = features.shape[0]
        require(k > 0 && k < count, "NeighbourGraph: k (\(k)) must be in 1..<\(count) (the number of points)")
        self.count = count
        self.k = k
        let normalized = features.l2Normalized(axis: 1).contiguous()
        let transposed = normalized.transposed().contiguous()
        var neighbours = [Int32](repeating: 0, count: count * k)
        var similarities = [Float](repeating: 0, count: count * k)
        for start in stride(from: 0, to: count, by: blockRows) {
            let end = min(start + blockRows, count)
            let block = normalized.sliced(axis: 0, start..<end).matmul(transposed).scalars
            neighbours.withUnsafeMutableBufferPointer { neighbourRows in
                similarities.withUnsafeMutableBufferPointer { similarityRows in
                    block.withUnsafeBufferPointer { values in
                        let (neighbourBase, similarityBase) = (neighbourRows.baseAddress!, similarityRows.baseAddress!)
                        Parallel.chunks(end - start, minimumPerChunk: 16) { rows in
                            for row in rows {
                                Self.nearest(values.baseAddress! + row * count, count: count, excluding: start + row, k: k,
                                             indices: neighbourBase + (start + row) * k, similarities: similarityBase + (start + row) * k)
                            }
                        }
                    }
                }
            }
        }
        self.neighbours = neighbours
        self.similarities = similarities
    }

    /// Writes the `k` largest of `values[0..<count]` other than position `excluding` (largest
    /// first; ties keep the lower index) to `indices` and `similarities`.
    private static func nearest(_ values: UnsafePointer<Float>, count: Int, excluding: Int, k: Int,
                                indices: UnsafeMutablePointer<Int32>, similarities: UnsafeMutablePointer<Float>) {
        var filled = 0
        for index in 0..<count where index != excluding {
            let value = values[index]
            guard filled < k || value > similarities[k - 1] else { continue }
            // Insertion into the sorted list, dropping the smallest when it is full.
            var position = min(filled, k - 1)
            while position > 0 && similarities[position - 1] < value {
                similarities[position] = similarities[position - 1]
                indices[position] = indices[position - 1]
                position -= 1
            }
            similarities[position] = value
            indices[position] = Int32(index)
            if filled < k { filled += 1 }
        }
    }
}
