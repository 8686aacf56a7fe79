import GleanTensor

/// Seeded ways to divide a dataset.
public enum Splits {
    /// A class-balanced split: `perClass` images of every class go to `selected` (chosen at
    /// random with `generator`), the rest to `rest`. Classes with fewer images give all they have.
    public static func balanced(labels: [Int], perClass: Int, classCount: Int,
                                generator: inout RandomGenerator) -> (selected: [Int], rest: [Int]) {
        precondition(perClass >= 0, "Splits.balanced: perClass \(perClass) must be >= 0")
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
}
