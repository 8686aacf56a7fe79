import GleanTensor
import GleanTrain

/// SimCLR's normalized temperature-scaled cross-entropy (NT-Xent): the 2N projections of two
/// views of N images are L2-normalised, their cosine similarities divided by the temperature,
/// each one's similarity with itself removed, and a cross-entropy taken in which the positive
/// of view i is the other view of the same image (row i pairs with i + N and back). The mean
/// over all 2N rows is returned.
///
/// In data-parallel training each process holds its part of the N images; the candidates of
/// every row are then the projections of all processes (`ProcessGroup.allGatherRows`), so the
/// loss and its gradients are those of one process on the global batch.
public enum NTXentLoss {
    /// - Parameters:
    ///   - first: `[N, D]` projections of the first views.
    ///   - second: `[N, D]` projections of the second views (row i is the same image as `first`'s).
    /// - Returns: the scalar loss, and the fraction of rows whose positive has the highest
    ///   similarity (a running measure of how well the views are told apart).
    ///   - group: the processes whose projections are the candidates (this process alone by
    ///     default outside data-parallel training); the loss is the mean over this process's rows.
    public static func loss(_ first: Tensor, _ second: Tensor, temperature: Float,
                            group: ProcessGroup = DataParallel.group) -> (loss: Tensor, positiveAccuracy: Double) {
        require(first.rank == 2 && first.shape == second.shape && first.shape[0] >= 1,
                "NTXentLoss: the views' projections must both be [N, D] with N >= 1, got \(first.shape) and \(second.shape)")
        require(temperature > 0 && temperature.isFinite, "NTXentLoss: temperature \(temperature) must be positive")
        guard group.size == 1 else { return distributedLoss(first, second, temperature: temperature, group: group) }
        let count = first.shape[0], rows = 2 * count
        let projections = Tensor.concat([first, second], axis: 0).l2Normalized(axis: 1)
        let similarity = projections.matmul(projections.transposed()) * (1 / temperature)
        let logits = similarity + selfMask(rows)
        let positives = (0..<rows).map { ($0 + count) % rows }
        let predicted = logits.argmax(axis: 1)
        let hits = zip(predicted, positives).filter { $0 == $1 }.count
        return (logits.crossEntropy(labels: positives), Double(hits) / Double(rows))
    }

    /// This process's rows (its images' two views) against the projections of every process,
    /// ordered as one process would hold them: all first views in rank order, then all second.
    private static func distributedLoss(_ first: Tensor, _ second: Tensor, temperature: Float,
                                        group: ProcessGroup) -> (loss: Tensor, positiveAccuracy: Double) {
        let count = first.shape[0], total = count * group.size, offset = group.rank * count
        let (firstNormalized, secondNormalized) = (first.l2Normalized(axis: 1), second.l2Normalized(axis: 1))
        let candidates = Tensor.concat([group.allGatherRows(firstNormalized), group.allGatherRows(secondNormalized)], axis: 0)
        let anchors = Tensor.concat([firstNormalized, secondNormalized], axis: 0)
        // Row k of this process is row `global[k]` of the global batch; its positive is the other view.
        let global = (0..<count).map { offset + $0 } + (0..<count).map { total + offset + $0 }
        let positives = global.map { ($0 + total) % (2 * total) }
        let mask = Tensor(shape: [2 * count, 2 * total]) { buffer in
            buffer.initialize(repeating: 0)
            for (row, column) in global.enumerated() { buffer[row * 2 * total + column] = -1e9 }
        }
        let logits = anchors.matmul(candidates.transposed()) * (1 / temperature) + mask
        let hits = zip(logits.argmax(axis: 1), positives).filter { $0 == $1 }.count
        return (logits.crossEntropy(labels: positives), Double(hits) / Double(2 * count))
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
