import Foundation
import Glean
import Testing

/// Selection strategies on five 2-D blobs of different sizes (directions on the unit circle,
/// since embeddings are compared normalised).
@Suite struct ActiveSelectionTests {
    /// Points around 5 directions; blob b has 10 + 10·b points; returns the points and blob of each.
    static func blobs() -> (Tensor, [Int]) {
        var generator = RandomGenerator(seed: 7)
        var values: [Float] = [], blob: [Int] = []
        for b in 0..<5 {
            let angle = Float(b) * 2 * .pi / 5
            for _ in 0..<(10 + 10 * b) {
                values += [cos(angle) + 0.05 * generator.nextNormal(), sin(angle) + 0.05 * generator.nextNormal()]
                blob.append(b)
            }
        }
        return (Tensor(values, shape: [blob.count, 2]), blob)
    }

    @Test func kMeansFindsTheBlobs() {
        let (points, blob) = Self.blobs()
        var generator = RandomGenerator(seed: 1)
        let (assignments, _) = KMeans.cluster(points, k: 5, generator: &generator)
        for b in 0..<5 { #expect(Set(blob.indices.filter { blob[$0] == b }.map { assignments[$0] }).count == 1) }
        #expect(Set(assignments).count == 5)
    }

    @Test func typiclustCoversEveryBlobOnce() {
        let (points, blob) = Self.blobs()
        var generator = RandomGenerator(seed: 2)
        let chosen = ActiveSelection.typiclust(points, labeled: [], budget: 5, generator: &generator)
        #expect(Set(chosen.map { blob[$0.index] }) == Set(0..<5))
        // The largest blob first.
        #expect(blob[chosen[0].index] == 4)
    }

    @Test func typiclustSkipsCoveredBlobsAndNeverRepeats() {
        let (points, blob) = Self.blobs()
        let labeled = Set(blob.indices.filter { blob[$0] == 4 }.prefix(1))
        var generator = RandomGenerator(seed: 2)
        let chosen = ActiveSelection.typiclust(points, labeled: labeled, budget: 4, generator: &generator)
        #expect(Set(chosen.map { blob[$0.index] }) == Set(0..<4) && chosen.allSatisfy { !labeled.contains($0.index) })
    }

    @Test func kCenterSpreadsOut() {
        let (points, blob) = Self.blobs()
        var generator = RandomGenerator(seed: 3)
        let chosen = ActiveSelection.kCenterGreedy(points, labeled: [0], budget: 4, generator: &generator)
        #expect(Set(chosen.map { blob[$0.index] }) == Set(1..<5))
    }

    @Test func marginPicksTheUnsurestOfEachCluster() {
        let (points, blob) = Self.blobs()
        let probabilities: [[Float]] = blob.indices.map { $0 % 7 == 3 ? [0.5, 0.45, 0.05] : [0.9, 0.05, 0.05] }
        var generator = RandomGenerator(seed: 4)
        let chosen = ActiveSelection.marginInClusters(points, probabilities: probabilities, labeled: [], budget: 5, generator: &generator)
        #expect(chosen.count == 5 && chosen.allSatisfy { $0.index % 7 == 3 })
        #expect(Set(chosen.map { blob[$0.index] }).count == 5)
    }

    @Test func randomIsSeededAndSkipsLabeled() {
        var first = RandomGenerator(seed: 5), second = RandomGenerator(seed: 5)
        let a = ActiveSelection.random(count: 50, labeled: [1, 2, 3], budget: 10, generator: &first)
        let b = ActiveSelection.random(count: 50, labeled: [1, 2, 3], budget: 10, generator: &second)
        #expect(a == b && a.allSatisfy { ![1, 2, 3].contains($0.index) } && Set(a.map(\.index)).count == 10)
    }

    /// A second random round with the same seed continues the first one's draw: 10 then 5
    /// are the 15 of one draw, not 5 neighbours of the first 10 in a re-shuffled list.
    @Test func aSecondRandomRoundContinuesTheFirstDraw() {
        var generator = RandomGenerator(seed: 6)
        let fifteen = ActiveSelection.random(count: 1_000, labeled: [], budget: 15, generator: &generator).map(\.index)
        generator = RandomGenerator(seed: 6)
        let first = ActiveSelection.random(count: 1_000, labeled: [], budget: 10, generator: &generator).map(\.index)
        generator = RandomGenerator(seed: 6)
        let second = ActiveSelection.random(count: 1_000, labeled: Set(first), budget: 5, generator: &generator).map(\.index)
        #expect(first + second == fifteen)
    }
}
