import GleanTensor

/// Which unlabeled images a teacher's predictions turn into training targets, and the targets:
/// offline pseudo-labeling keeps every prediction whose top probability reaches a threshold
/// (0.99 in the source); Noisy Student also balances the classes, keeping the `perClass` most
/// confident images of each predicted class and repeating images of classes that have fewer.
public struct PseudoLabelSelection: Sendable {
    /// Hard targets (one-hot of the argmax) or the teacher's full distribution.
    public enum Targets: String, Sendable {
        case hard, soft
    }

    public let threshold: Float
    public let targets: Targets
    /// Images per class after balancing (nil: no balancing, every confident image once).
    public let perClass: Int?

    public init(threshold: Float, targets: Targets = .hard, perClass: Int? = nil) {
        require(threshold >= 0 && threshold <= 1, "PseudoLabelSelection: threshold \(threshold) must be in [0, 1]")
        require(perClass == nil || perClass! > 0, "PseudoLabelSelection: per-class count \(perClass!) must be positive")
        self.threshold = threshold
        self.targets = targets
        self.perClass = perClass
    }

    /// What `select` chose: image indices (repeated where a class was filled up) and one target
    /// row of `classCount` probabilities per index.
    public struct Selection: Sendable, Equatable {
        public let indices: [Int]
        public let targets: [[Float]]
        /// The argmax class of each target.
        public let labels: [Int]
        /// Confident images per predicted class before balancing.
        public let confidentPerClass: [Int]
    }

    /// Selects from `probabilities` (one row of class probabilities per unlabeled image).
    /// Balancing draws no random numbers: ties keep the lower index first, and a short class is
    /// filled by cycling through its images in order of confidence.
    public func select(probabilities: [[Float]]) -> Selection {
        let classCount = probabilities.first?.count ?? 0
        var byClass = [[(index: Int, confidence: Float)]](repeating: [], count: classCount)
        for (index, row) in probabilities.enumerated() {
            require(row.count == classCount, "PseudoLabelSelection: row \(index) has \(row.count) classes, expected \(classCount)")
            guard let best = Self.argmax(row), row[best] >= threshold else { continue }
            byClass[best].append((index, row[best]))
        }
        let confidentPerClass = byClass.map(\.count)
        var indices: [Int] = []
        for candidates in byClass {
            let ranked = candidates.sorted { $0.confidence > $1.confidence || ($0.confidence == $1.confidence && $0.index < $1.index) }
            guard let perClass else {
                indices += ranked.map(\.index).sorted()
                continue
            }
            guard !ranked.isEmpty else { continue }
            indices += (0..<perClass).map { ranked[$0 % ranked.count].index }
        }
        let rows = indices.map { index -> [Float] in
            let row = probabilities[index]
            guard targets == .hard else { return row }
            let best = Self.argmax(row)!
            return (0..<classCount).map { $0 == best ? 1 : 0 }
        }
        let labels = rows.map { Self.argmax($0)! }
        return Selection(indices: indices, targets: rows, labels: labels, confidentPerClass: confidentPerClass)
    }

    /// The index of the largest value (the first of equal ones), nil for an empty row.
    private static func argmax(_ row: [Float]) -> Int? {
        row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }
    }
}
