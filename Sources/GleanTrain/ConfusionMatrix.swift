import Foundation
import GleanTensor

/// Counts of (true class, predicted class) pairs, and the metrics derived from them.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    /// `counts[truth][prediction]`.
    public private(set) var counts: [[Int]]

    public init(classCount: Int) {
        require(classCount > 0, "ConfusionMatrix: class count \(classCount) must be positive")
        self.classCount = classCount
        counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    }

    /// A matrix of known counts (`counts[truth][prediction]`, square, none negative).
    public init(counts: [[Int]]) {
        require(!counts.isEmpty && counts.allSatisfy { $0.count == counts.count && $0.allSatisfy { $0 >= 0 } },
                "ConfusionMatrix: counts must be a square matrix of non-negative numbers")
        classCount = counts.count
        self.counts = counts
    }

    /// Adds predictions against their true labels.
    public mutating func add(predictions: [Int], labels: [Int]) {
        require(predictions.count == labels.count, "ConfusionMatrix: \(predictions.count) predictions for \(labels.count) labels")
        for (prediction, label) in zip(predictions, labels) {
            require((0..<classCount).contains(label) && (0..<classCount).contains(prediction),
                         "ConfusionMatrix: class outside 0..<\(classCount)")
            counts[label][prediction] += 1
        }
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Fraction of correct predictions.
    public var accuracy: Double { Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(max(total, 1)) }

    /// Of the examples predicted as `c`, the fraction that are `c` (0 when none were predicted).
    public func precision(_ c: Int) -> Double {
        let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][c] }
        return predicted == 0 ? 0 : Double(counts[c][c]) / Double(predicted)
    }

    /// Of the examples of class `c`, the fraction predicted as `c`.
    public func recall(_ c: Int) -> Double {
        let actual = counts[c].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[c][c]) / Double(actual)
    }

    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// Mean recall over the classes that occur (robust to class imbalance).
    public var balancedAccuracy: Double {
        let present = (0..<classCount).filter { counts[$0].reduce(0, +) > 0 }
        return present.isEmpty ? 0 : present.reduce(0.0) { $0 + recall($1) } / Double(present.count)
    }

    /// Per-class precision, recall, F1 and support, then accuracy, balanced accuracy and macro F1.
    public func report(classNames: [String] = []) -> String {
        let names = (0..<classCount).map { $0 < classNames.count ? classNames[$0] : String($0) }
        let width = max(12, (names.map(\.count).max() ?? 0) + 2)
        func pad(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = [pad("class") + "precision  recall     f1         support"]
        for c in 0..<classCount {
            lines.append(pad(names[c]) + String(format: "%-10.4f %-10.4f %-10.4f %d", precision(c), recall(c), f1(c), counts[c].reduce(0, +)))
        }
        let macroF1 = (0..<classCount).reduce(0.0) { $0 + f1($1) } / Double(classCount)
        lines.append(String(format: "accuracy %.4f   balanced accuracy %.4f   macro F1 %.4f   (%d examples)",
                            accuracy, balancedAccuracy, macroF1, total))
        return lines.joined(separator: "\n")
    }
}

/// Fraction of rows of `[N, C]` scores whose true label is among the `k` highest.
public func topKAccuracy(scores: [Float], classCount: Int, labels: [Int], k: Int) -> Double {
    require(scores.count == labels.count * classCount, "topKAccuracy: \(scores.count) scores for \(labels.count) rows of \(classCount)")
    var hits = 0
    for (row, label) in labels.enumerated() {
        let own = scores[row * classCount + label]
        let better = (0..<classCount).filter { scores[row * classCount + $0] > own }.count
        if better < k { hits += 1 }
    }
    return Double(hits) / Double(max(labels.count, 1))
}
