import GleanTensor

/// Hard pseudo-labels from a model's class scores on unlabeled images: each row's argmax, its
/// softmax probability, and which rows reach the confidence threshold. Online pseudo-labeling
/// and FixMatch build their unlabeled loss from it.
public struct PseudoLabels {
    /// The argmax class of each row.
    public let labels: [Int]
    /// The softmax probability of that class.
    public let confidences: [Float]
    /// Rows whose confidence is at least the threshold (all rows for threshold 0).
    public var mask: [Bool]
    public let classCount: Int

    /// - Parameters:
    ///   - logits: `[N, C]` class scores (read only; no gradient flows back through them).
    ///   - threshold: smallest softmax probability that keeps a pseudo-label, in [0, 1].
    public init(logits: Tensor, threshold: Float) {
        require(logits.rank == 2, "PseudoLabels: logits must be [N, C], got \(logits.shape)")
        let probabilities = withoutGradients { logits.detached().softmax(axis: 1) }.scalars
        self.init(probabilities: probabilities, classCount: logits.shape[1], threshold: threshold)
    }

    /// - Parameters:
    ///   - probabilities: `[N, C]` row-major class probabilities (e.g. after distribution alignment).
    ///   - threshold: smallest probability that keeps a pseudo-label, in [0, 1].
    public init(probabilities: [Float], classCount classes: Int, threshold: Float) {
        require(classes > 0 && probabilities.count % classes == 0,
                "PseudoLabels: \(probabilities.count) probabilities are not rows of \(classes) classes")
        require(threshold >= 0 && threshold <= 1, "PseudoLabels: threshold \(threshold) must be in [0, 1]")
        let rows = probabilities.count / classes
        var labels = [Int](repeating: 0, count: rows), confidences = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            var best = 0
            for column in 1..<classes where probabilities[row * classes + column] > probabilities[row * classes + best] {
                best = column
            }
            labels[row] = best
            confidences[row] = probabilities[row * classes + best]
        }
        self.labels = labels
        self.confidences = confidences
        mask = confidences.map { $0 >= threshold }
        classCount = classes
    }

    /// The share of the kept rows that the most frequent pseudo-label takes (nil when no row is
    /// kept): near 1 with several classes, one class is taking every pseudo-label.
    public var topClassShare: Double? {
        var counts = [Int](repeating: 0, count: classCount)
        for (label, kept) in zip(labels, mask) where kept { counts[label] += 1 }
        let total = counts.reduce(0, +)
        return total == 0 ? nil : Double(counts.max()!) / Double(total)
    }

    /// Fraction of rows kept.
    public var maskRate: Double { mask.isEmpty ? 0 : Double(mask.filter { $0 }.count) / Double(mask.count) }

    /// `[N, C]`: the one-hot pseudo-label of each kept row, a row of zeros for the others.
    public var targets: Tensor {
        Tensor(shape: [labels.count, classCount]) { buffer in
            buffer.initialize(repeating: 0)
            for row in 0..<labels.count where mask[row] { buffer[row * classCount + labels[row]] = 1 }
        }
    }

    /// `Σᵢ maskᵢ · CE(logitsᵢ, labelᵢ) / N`: the cross-entropy of the kept rows of `logits`
    /// (`[N, C]`, usually another view's scores) against these labels, divided by all N rows
    /// as FixMatch does, so a low mask rate also lowers the loss.
    public func maskedCrossEntropy(_ logits: Tensor) -> Tensor {
        Self.crossEntropy(logits, targets: targets)
    }

    /// `−Σᵢ Σ_c targetsᵢ꜀ · log softmax(logitsᵢ)꜀ / N` for `logits` and `targets` of `[N, C]`
    /// whose rows may sum to less than 1 (rows without a pseudo-label weigh 0 but count in N).
    public static func crossEntropy(_ logits: Tensor, targets: Tensor) -> Tensor {
        require(logits.rank == 2 && logits.shape == targets.shape,
                "PseudoLabels.crossEntropy: logits \(logits.shape) and targets \(targets.shape) must both be [N, C]")
        return -(logits.logSoftmax(axis: 1) * (targets.detached() * (1 / Float(max(logits.shape[0], 1))))).sum()
    }

    /// `mask_rate`, `pseudo_top_share` (see `topClassShare`, when a row is kept), and where the true labels of the unlabeled images are known (hidden from the
    /// method, used only to report): `pseudo_accuracy` over the kept rows (when any) and
    /// `all_pseudo_accuracy` over every row.
    public func scalars(trueLabels: [Int]?) -> [String: Double] {
        var scalars = ["mask_rate": maskRate]
        if let share = topClassShare { scalars["pseudo_top_share"] = share }
        guard let trueLabels, trueLabels.count == labels.count, !labels.isEmpty else { return scalars }
        let right = zip(labels, trueLabels).map { $0 == $1 }
        scalars["all_pseudo_accuracy"] = Double(right.filter { $0 }.count) / Double(right.count)
        let kept = zip(right, mask).filter { $1 }.map(\.0)
        if !kept.isEmpty { scalars["pseudo_accuracy"] = Double(kept.filter { $0 }.count) / Double(kept.count) }
        return scalars
    }
}
