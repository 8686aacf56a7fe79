import GleanTensor

/// Confident learning (Northcutt, Jiang and Chuang, 2021): which given labels are likely wrong,
/// from out-of-sample predicted probabilities (each image scored by a model that did not train
/// on it, e.g. K-fold cross-validation).
///
/// 1. Each class `j` gets a threshold `t_j`, the mean probability of `j` over the images labeled
///    `j` (the class's average self-confidence).
/// 2. An image labeled `y` counts for the class `k` it is confidently in — the most probable class
///    among those whose probability reaches their threshold — in the confident joint `C[y][k]`.
/// 3. The joint, calibrated to the label counts and normalised, estimates how many images
///    labeled `y` truly are `k`; for each `y ≠ k` that many images labeled `y` with the largest
///    margin `p(k) − p(y)` are flagged (cleanlab's prune-by-noise-rate).
/// 4. Flagged images are ranked by normalised margin, `p(y) − max_{k≠y} p(k)`, lowest first; the
///    suggested label is that `k`.
public enum ConfidentLearning {
    /// One image whose label is likely wrong.
    public struct Issue: Equatable, Sendable {
        /// Index of the image.
        public let index: Int
        public let givenLabel: Int
        public let suggestedLabel: Int
        /// Probability of the given label.
        public let selfConfidence: Float
        /// `p(given) − max p(other)`: the more negative, the surer the label is wrong.
        public let margin: Float
    }

    /// What the analysis found.
    public struct Result: Sendable {
        /// Likely wrong labels, surest first.
        public let issues: [Issue]
        /// Per-class thresholds `t_j`.
        public let thresholds: [Float]
        /// `counts[y][k]`: images labeled `y` confidently in class `k`.
        public let confidentJoint: [[Int]]
    }

    /// Finds the likely wrong labels.
    ///
    /// - Parameters:
    ///   - probabilities: one row of `classCount` out-of-sample probabilities per image.
    ///   - labels: the given label of each image, in `0..<classCount`.
    public static func analyse(probabilities: [[Float]], labels: [Int], classCount: Int) -> Result {
        require(probabilities.count == labels.count, "ConfidentLearning: \(probabilities.count) rows of probabilities for \(labels.count) labels")
        require(probabilities.allSatisfy { $0.count == classCount } && labels.allSatisfy { (0..<classCount).contains($0) },
                "ConfidentLearning: every row needs \(classCount) probabilities and every label must be in 0..<\(classCount)")
        let count = labels.count
        var sums = [Float](repeating: 0, count: classCount), sizes = [Int](repeating: 0, count: classCount)
        for (row, label) in zip(probabilities, labels) {
            sums[label] += row[label]
            sizes[label] += 1
        }
        // A class nobody carries has no self-confidence to compare with: nothing reaches it.
        let thresholds = (0..<classCount).map { sizes[$0] > 0 ? sums[$0] / Float(sizes[$0]) : .infinity }
        var joint = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (row, label) in zip(probabilities, labels) {
            let confident = (0..<classCount).filter { row[$0] >= thresholds[$0] }
            guard let best = confident.max(by: { row[$0] < row[$1] }) else { continue }
            joint[label][best] += 1
        }
        // Calibrate each row to the number of images with that label, then normalise.
        var calibrated = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: classCount)
        for label in 0..<classCount {
            let rowTotal = joint[label].reduce(0, +)
            guard rowTotal > 0 else { continue }
            for k in 0..<classCount { calibrated[label][k] = Double(joint[label][k]) / Double(rowTotal) * Double(sizes[label]) }
        }
        let total = calibrated.joined().reduce(0, +)
        var flagged = Set<Int>()
        if total > 0 {
            for label in 0..<classCount {
                let members = (0..<count).filter { labels[$0] == label }
                for k in 0..<classCount where k != label {
                    let expected = Int((calibrated[label][k] / total * Double(count)).rounded())
                    guard expected > 0 else { continue }
                    let byMargin = members.sorted {
                        probabilities[$0][k] - probabilities[$0][label] > probabilities[$1][k] - probabilities[$1][label]
                    }
                    flagged.formUnion(byMargin.prefix(expected))
                }
            }
        }
        let issues = flagged.map { index -> Issue in
            let row = probabilities[index], label = labels[index]
            let other = (0..<classCount).filter { $0 != label }.max { row[$0] < row[$1] } ?? label
            return Issue(index: index, givenLabel: label, suggestedLabel: other, selfConfidence: row[label], margin: row[label] - row[other])
        }.sorted { ($0.margin, $0.index) < ($1.margin, $1.index) }
        return Result(issues: issues, thresholds: thresholds, confidentJoint: joint)
    }
}
