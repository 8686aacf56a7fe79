import GleanTensor

/// SimCLR's normalized temperature-scaled cross-entropy (NT-Xent): the 2N projections of two
/// views of N images are L2-normalised, their cosine similarities divided by the temperature,
/// each one's similarity with itself removed, and a cross-entropy taken in which the positive
/// of view i is the other view of the same image (row i pairs with i + N and back). The mean
/// over all 2N rows is returned.
public enum NTXentLoss {
    /// - Parameters:
    ///   - first: `[N, D]` projections of the first views.
    ///   - second: `[N, D]` projections of the second views (row i is the same image as `first`'s).
    /// - Returns: the scalar loss, and the fraction of rows whose positive has the highest
    ///   similarity (a running measure of how well the views are told apart).
    public static func loss(_ first: Tensor, _ second: Tensor, temperature: Float) -> (loss: Tensor, positiveAccuracy: Double) {
        require(first.rank == 2 && first.shape == second.shape && first.shape[0] >= 1,
                "NTXentLoss: the views' projections must both be [N, D] with N >= 1, got \(first.shape) and \(second.shape)")
        require(temperature > 0 && temperature.isFinite, "NTXentLoss: temperature \(temperature) must be positive")
        let count = first.shape[0], rows = 2 * count
        let projections = Tensor.concat([first, second], axis: 0).l2Normalized(axis: 1)
        let similarity = projections.matmul(projections.transposed()) * (1 / temperature)
        let logits = similarity + selfMask(rows)
        let positives = (0..<rows).map { ($0 + count) % rows }
        let predicted = logits.argmax(axis: 1)
        let hits = zip(predicted, positives).filter { $0 == $1 }.count
        return (logits.crossEntropy(labels: positives), Double(hits) / Double(rows))
    }

    /// `[rows, rows]` with a large negative number on the diagonal and zeros elsewhere: added to
    /// the logits, it gives each row's self-similarity zero weight in the softmax.
    static func selfMask(_ rows: Int) -> Tensor {
        Tensor(shape: [rows, rows]) { buffer in
            buffer.initialize(repeating: 0)
            for row in 0..<rows { buffer[row * rows + row] = -1e9 }
        }
    }
}
