import Foundation
import Glean
@testable import GleanTrain
import Testing

/// A group of two processes whose other process holds exactly this one's gradients: every sum
/// doubles. It records when each bucket's sum starts, to see the order and the overlap.
private final class TwinProcesses: ProcessGroup {
    var rank: Int { 0 }
    var size: Int { 2 }
    var host: String { "test" }
    /// Called when a bucket's sum starts; returns what the test wants to know at that moment.
    var onStart: (ReductionBuffer) -> Void = { _ in }
    private(set) var started: [Int] = []

    func allReduceSum(_ values: inout [Float]) { values = values.map { 2 * $0 } }
    func allReduceSum(_ values: inout [Double]) { values = values.map { 2 * $0 } }
    func allReduceMax(_ values: inout [Double]) {}
    func broadcast(_ bytes: inout [UInt8], from root: Int) {}
    func allGather(_ values: [Float]) -> [Float] { values + values }
    func startAllReduceSum(_ buffer: ReductionBuffer) -> PendingReduction {
        started.append(buffer.count)
        onStart(buffer)
        for index in 0..<buffer.count { buffer.values[index] *= 2 }
        return FinishedReduction()
    }
}

@Suite struct GradientBucketsTests {
    /// Four linear layers of 8x8 weights (64 + 8 values each): with 300-byte buckets, one
    /// bucket per layer plus its bias.
    static func layers(seed: UInt64) -> Sequential {
        var generator = RandomGenerator(seed: seed)
        return Sequential((0..<4).flatMap { _ in [Linear(8, 8, generator: &generator), Lambda.relu()] as [Module] })
    }

    static func loss(_ model: Module) -> Tensor {
        var generator = RandomGenerator(seed: 5)
        let input = Tensor.uniform([6, 8], low: -1, high: 1, generator: &generator)
        return (model(input) * model(input)).mean()
    }

    @Test func bucketsStartDuringBackwardInOrderAndAverageExactly() {
        let reference = Self.layers(seed: 3)
        Self.loss(reference).backward()
        let expected = reference.parameters.map { $0.grad!.scalars }

        let model = Self.layers(seed: 3)
        let twins = TwinProcesses()
        var gradientsMissingAtStart: [Int] = []
        twins.onStart = { _ in gradientsMissingAtStart.append(model.parameters.filter { $0.grad == nil }.count) }
        let buckets = GradientBuckets(parameters: model.parameters, group: twins, bucketBytes: 300)
        #expect(buckets.bucketCount == 4)
        buckets.backwardAndAverage(Self.loss(model), examples: 6)
        // The last layer's bucket (with the example count) starts first, while the first layers'
        // gradients are still to come: the sums overlap the backward pass.
        #expect(twins.started == [73, 72, 72, 72])
        #expect(gradientsMissingAtStart == [6, 4, 2, 0])
        // Weighted by 6 examples, summed, divided by 12: the gradient again, to rounding.
        for (parameter, reference) in zip(model.parameters, expected) {
            let scale = reference.map(abs).max()!
            #expect(zip(parameter.grad!.scalars, reference).allSatisfy { abs($0 - $1) <= 1e-6 * scale })
        }
    }

    /// `GLEAN_BUCKET_MB`: a size in MiB; anything else falls back to the default (with a warning).
    @Test func bucketSizeFromTheEnvironment() {
        defer { unsetenv("GLEAN_BUCKET_MB") }
        setenv("GLEAN_BUCKET_MB", "0.5", 1)
        #expect(GradientBuckets.bucketBytesFromEnvironment() == 1 << 19)
        for bad in ["-1", "0", "lots", "nan"] {
            setenv("GLEAN_BUCKET_MB", bad, 1)
            #expect(GradientBuckets.bucketBytesFromEnvironment() == GradientBuckets.defaultBucketBytes, "GLEAN_BUCKET_MB=\(bad)")
        }
        unsetenv("GLEAN_BUCKET_MB")
        #expect(GradientBuckets.bucketBytesFromEnvironment() == GradientBuckets.defaultBucketBytes)
    }

    @Test func unusedAndFrozenParametersAreHandledAlike() {
        let model = Self.layers(seed: 4)
        let frozen = model.parameters[0]
        frozen.isTrainable = false
        let twins = TwinProcesses()
        let buckets = GradientBuckets(parameters: model.parameters, group: twins, bucketBytes: 300)
        #expect(buckets.fits(model.parameters))
        // Only the last layer takes part: the other buckets start after the pass, as zeros.
        var generator = RandomGenerator(seed: 6)
        let last = model.layers.compactMap { $0.1 as? Linear }.last!
        let loss = last(Tensor.uniform([3, 8], low: -1, high: 1, generator: &generator)).sum()
        buckets.backwardAndAverage(loss, examples: 3)
        #expect(twins.started == [73, 72, 72, 8])
        #expect(frozen.grad == nil)
        let zeroed = model.parameters.dropFirst().dropLast(2)
        #expect(zeroed.allSatisfy { $0.grad!.scalars.allSatisfy { $0 == 0 } })
        frozen.isTrainable = true
        #expect(!buckets.fits(model.parameters))
    }
}
