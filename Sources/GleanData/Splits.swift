import GleanTensor

/// Seeded ways to divide a dataset.
public enum Splits {
    /// A class-balanced split: `perClass` images of every class go to `selected` (chosen at
    /// random with `generator`), the rest to `rest`. Classes with fewer images give all they have.
    public static func balanced(labels: [Int], perClass: Int, classCount: Int,
                                generator: inout RandomGenerator) -> (selected: [Int], rest: [Int]) {
        require(perClass >= 0, "Splits.balanced: perClass \(perClass) must be >= 0")
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        var selected: [Int] = [], rest: [Int] = []
        for var members in byClass {
            members.shuffle(using: &generator)
            selected += members.prefix(perClass)
            rest += members.dropFirst(perClass)
        }
        return (selected.sorted(), rest.sorted())
    }

    /// Labeled/unlabeled split for semi-supervised learning: `labelsPerClass` labeled images of
    /// each class, the rest unlabeled (their labels kept only for evaluation).
    public static func labeledUnlabeled(labels: [Int], labelsPerClass: Int, classCount: Int,
                                        generator: inout RandomGenerator) -> (labeled: [Int], unlabeled: [Int]) {
        let (selected, rest) = balanced(labels: labels, perClass: labelsPerClass, classCount: classCount, generator: &generator)
        return (selected, rest)
    }

    /// A seeded random split into parts with sizes in proportion to `ratios` (e.g. `[8, 1, 1]`
    /// for train/validation/test); rounding leftovers go to the first part.
    public static func ratio(count: Int, ratios: [Double], generator: inout RandomGenerator) -> [[Int]] {
        require(!ratios.isEmpty && ratios.allSatisfy { $0 >= 0 } && ratios.contains { $0 > 0 },
                     "Splits.ratio: ratios \(ratios) must be non-negative and not all zero")
        let order = Array(0..<count).shuffled(using: &generator)
        let total = ratios.reduce(0, +)
        var sizes = ratios.map { Int((Double(count) * $0 / total).rounded(.down)) }
        sizes[0] += count - sizes.reduce(0, +)
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return Array(order[start ..< start + size]).sorted()
        }
    }
}
