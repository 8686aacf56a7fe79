import Foundation
import GleanNN
import GleanTensor

/// Averages the gradients of data-parallel training over the processes while the backward pass
/// still runs, as PyTorch's DDP does: the trainable parameters are cut, in reverse order (the
/// order in which backward usually completes them), into buckets of about `bucketBytes`; as
/// soon as every parameter of a bucket has its gradient, the bucket's sum over the processes
/// starts in the background, and the backward pass goes on with the layers below.
///
/// Buckets start strictly in their order, whatever order the gradients complete in, so every
/// process starts the same collectives in the same order. A parameter that gets no gradient in
/// a step (unused by this step's graph) counts as zeros; its bucket starts after the pass.
/// Each process's gradient (of the mean loss over its `examples`) is weighted by `examples`, so
/// the result is the gradient of the mean loss over the global batch. All in fp32, whatever the
/// precision of the step.
public final class GradientBuckets {
    /// Bucket size when the environment does not set `GLEAN_BUCKET_MB`: small enough that the
    /// first buckets start early in the backward pass of a ResNet-18, large enough that a
    /// collective's latency stays small beside its transfer.
    public static let defaultBucketBytes = 4 << 20

    private let group: ProcessGroup
    private let parameters: [Parameter]
    /// Parameter indices of each bucket, in the order the buckets start.
    private let members: [[Int]]
    private let buffers: [ReductionBuffer]
    /// Each parameter's bucket and offset in it.
    private let places: [(bucket: Int, offset: Int)]

    /// Buckets for the trainable ones of `parameters` (frozen ones are left out on every
    /// process, as in the head-only phase of fine-tuning).
    public init(parameters: [Parameter], group: ProcessGroup = DataParallel.group,
                bucketBytes: Int = GradientBuckets.bucketBytesFromEnvironment()) {
        self.group = group
        self.parameters = parameters.filter(\.isTrainable)
        var members: [[Int]] = [[]], sizes = [0]
        for index in self.parameters.indices.reversed() {
            let count = self.parameters[index].value.count
            if !members[members.count - 1].isEmpty, (sizes[sizes.count - 1] + count) * 4 > bucketBytes {
                members.append([])
                sizes.append(0)
            }
            members[members.count - 1].append(index)
            sizes[sizes.count - 1] += count
        }
        var places = [(bucket: Int, offset: Int)](repeating: (0, 0), count: self.parameters.count)
        for (bucket, indices) in members.enumerated() {
            var offset = 0
            for index in indices {
                places[index] = (bucket, offset)
                offset += self.parameters[index].value.count
            }
        }
        // The first bucket also carries this process's example count, so the total comes with it.
        sizes[0] += 1
        self.members = members
        self.places = places
        // One process sums nothing: no buffers (a ResNet-18's would hold 45 MB).
        buffers = group.size > 1 ? sizes.map { ReductionBuffer(count: $0) } : []
    }

    /// How many buckets the gradients travel in.
    public var bucketCount: Int { members.count }

    /// Whether these buckets were made for exactly `parameters` (the same objects, each as
    /// trainable as then).
    public func fits(_ parameters: [Parameter]) -> Bool {
        let trainable = parameters.filter(\.isTrainable)
        return trainable.count == self.parameters.count && zip(trainable, self.parameters).allSatisfy { $0 === $1 }
    }

    /// Runs `loss.backward()` and leaves in every trainable parameter the gradient averaged over
    /// the processes (each weighted by its `examples`). With one process: only the backward pass.
    /// Returns the seconds spent after the backward pass, waiting for the sums and writing the
    /// averages (the part of the communication that the pass did not hide).
    @discardableResult
    public func backwardAndAverage(_ loss: Tensor, examples: Int) -> Double {
        guard group.size > 1 else {
            loss.backward()
            return 0
        }
        let weight = Float(examples)
        var parameterOf: [ObjectIdentifier: Int] = [:]
        for (index, parameter) in parameters.enumerated() {
            if let identity = parameter.value.gradientIdentity { parameterOf[identity] = index }
        }
        var missing = members.map(\.count)
        var pending: [PendingReduction] = []
        func startReady() {
            while pending.count < members.count, missing[pending.count] == 0 { start(pending.count, weight: weight, into: &pending) }
        }
        loss.backward(leafDone: { identity in
            guard let index = parameterOf[identity] else { return }
            missing[self.places[index].bucket] -= 1
            startReady()
        })
        let backwardEnd = Date()
        while pending.count < members.count { start(pending.count, weight: weight, into: &pending) }
        pending.forEach { $0.wait() }
        let total = max(buffers[0].values[buffers[0].count - 1], 1)
        for (index, parameter) in parameters.enumerated() {
            let sums = buffers[places[index].bucket].pointer + places[index].offset
            parameter.value.replaceGrad(with: Tensor(shape: parameter.value.shape) { average in
                for position in average.indices { average[position] = sums[position] / total }
            })
        }
        return Date().timeIntervalSince(backwardEnd)
    }

    /// Copies bucket `bucket`'s weighted gradients (zeros where a parameter has none) into its
    /// buffer and starts its sum.
    private func start(_ bucket: Int, weight: Float, into pending: inout [PendingReduction]) {
        let buffer = buffers[bucket].values
        for index in members[bucket] {
            let offset = places[index].offset, count = parameters[index].value.count
            if let grad = parameters[index].grad {
                grad.withUnsafeScalars { scalars in
                    for position in 0..<count { buffer[offset + position] = scalars[position] * weight }
                }
            } else {
                for position in 0..<count { buffer[offset + position] = 0 }
            }
        }
        if bucket == 0 { buffer[buffer.count - 1] = weight }
        pending.append(group.startAllReduceSum(buffers[bucket]))
    }

    /// `GLEAN_BUCKET_MB` (a positive number of MiB) in bytes, else `defaultBucketBytes` (with a
    /// warning when the variable holds something else).
    public static func bucketBytesFromEnvironment() -> Int {
        guard let text = ProcessInfo.processInfo.environment["GLEAN_BUCKET_MB"] else { return defaultBucketBytes }
        guard let megabytes = Double(text), megabytes > 0, megabytes < 1e6 else {
            FileHandle.standardError.write(Data("glean: GLEAN_BUCKET_MB must be a positive number of MiB, got '\(text)'; using 4\n".utf8))
            return defaultBucketBytes
        }
        return max(4, Int(megabytes * Double(1 << 20)))
    }
}
