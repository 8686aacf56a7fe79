import Foundation
import GleanNN
import GleanTensor

/// The processes of one data-parallel run and the collective operations among them. Every
/// process runs the same training loop on its part of each global batch; gradients are averaged
/// over all of them before each optimizer step, so weights stay equal everywhere.
///
/// `SingleProcess` is the default (today's behaviour); `glean` installs an MPI group when it is
/// started by `mpirun` or `srun` (GleanDistributed). A collective that fails stops the process
/// with a message naming the rank and host: training cannot go on with one process missing.
public protocol ProcessGroup: AnyObject {
    /// This process's number, 0..<size.
    var rank: Int { get }
    /// How many processes train together.
    var size: Int { get }
    /// This process's host name (for messages).
    var host: String { get }
    /// Element-wise sum over all processes, in place (every process passes the same count).
    func allReduceSum(_ values: inout [Float])
    /// Element-wise sum over all processes in double precision, in place (counts and sums of
    /// metrics, which must come out as one process computes them).
    func allReduceSum(_ values: inout [Double])
    /// Element-wise maximum over all processes, in place.
    func allReduceMax(_ values: inout [Double])
    /// Rank `root`'s bytes on every process (others' `bytes` are replaced, any length).
    func broadcast(_ bytes: inout [UInt8], from root: Int)
    /// Every process's `values` (the same count on each) concatenated in rank order.
    func allGather(_ values: [Float]) -> [Float]
    /// Starts the element-wise sum of `buffer` over all processes, in place, and returns at once;
    /// the sum is in `buffer` when the returned reduction's `wait()` returns. Every process starts
    /// its reductions in the same order, with the same counts. Other collectives may run meanwhile.
    func startAllReduceSum(_ buffer: ReductionBuffer) -> PendingReduction
}

/// Floats at a fixed address, as a collective that runs in the background needs them.
public final class ReductionBuffer {
    /// The first of `count` floats.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// `count` zeros.
    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// The floats, to read or write.
    public var values: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

/// A collective started by `startAllReduceSum`.
public protocol PendingReduction {
    /// Returns when the collective's result is in its buffer.
    func wait()
}

/// A reduction that was complete when it started (one process).
struct FinishedReduction: PendingReduction {
    func wait() {}
}

/// The one-process group: every collective is the identity.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var host: String { "localhost" }
    public func allReduceSum(_ values: inout [Float]) {}
    public func allReduceSum(_ values: inout [Double]) {}
    public func allReduceMax(_ values: inout [Double]) {}
    public func broadcast(_ bytes: inout [UInt8], from root: Int) {}
    public func allGather(_ values: [Float]) -> [Float] { values }
    public func startAllReduceSum(_ buffer: ReductionBuffer) -> PendingReduction { FinishedReduction() }
}

/// The process group of this process (`SingleProcess` unless a launcher installed another).
public enum DataParallel {
    nonisolated(unsafe) private static var installed: ProcessGroup = SingleProcess()

    /// The group training uses.
    public static var group: ProcessGroup { installed }

    /// Makes `group` the process's group; call once at start, before any training. Randomized
    /// modules then draw per process (`ProcessDraws`).
    public static func install(_ group: ProcessGroup) {
        installed = group
        ProcessDraws.rank = group.size > 1 ? group.rank : nil
    }

    /// Makes every batch norm of `model` normalise with the statistics of the global batch
    /// (summed over the processes of `group`), as PyTorch's `SyncBatchNorm`; for methods whose
    /// batch per process gets small. Returns how many layers it changed.
    @discardableResult
    public static func synchronizeBatchNorm(in model: Module) -> Int {
        let layers = model.namedModules().compactMap { $0.1 as? BatchNorm }
        for layer in layers { layer.sumOverProcesses = group.size > 1 ? { group.allReduceSum(&$0) } : nil }
        return layers.count
    }

    /// Whether the processes compare a hash of their weights after each epoch
    /// (`GLEAN_CHECK_REPLICAS=1`, a debugging aid that costs one pass over the weights).
    public static let checksReplicas = ProcessInfo.processInfo.environment["GLEAN_CHECK_REPLICAS"] == "1"

}

extension ProcessGroup {
    /// The rows of every process's `[n, D]` `tensor` (the same `n` everywhere), concatenated in
    /// rank order: `[size·n, D]`. Differentiable: the gradient of the result is summed over the
    /// processes and each keeps its own rows' part, so every process's loss terms reach the rows
    /// that fed them (SimCLR's negatives from all processes).
    public func allGatherRows(_ tensor: Tensor) -> Tensor {
        guard size > 1 else { return tensor }
        require(tensor.rank == 2, "allGatherRows: rows must be [n, D], got \(tensor.shape)")
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let gathered = Tensor(allGatherEqualCounts(tensor.scalars), shape: [size * rows, columns])
        return Tensor.customOp("allGatherRows", value: gathered, inputs: [tensor]) { gradient in
            var summed = gradient.scalars
            self.allReduceSum(&summed)
            let own = Array(summed[(self.rank * rows * columns) ..< ((self.rank + 1) * rows * columns)])
            return [Tensor(own, shape: [rows, columns])]
        }
    }

    /// The rows every process holds, each at its place in the whole: `rows` are this process's
    /// `[positions.count, width]` rows (row-major), `positions` their places in `0..<total`, each
    /// place held by exactly one process. Returns `[total, width]` row-major on every process
    /// (a sum of buffers that are zero outside each process's rows, so the values are exact).
    /// `width` may be 0 on a process without rows.
    public func placeRows(_ rows: [Float], positions: [Int], total: Int, width: Int) -> (values: [Float], width: Int) {
        var widest = [Double(width)]
        allReduceMax(&widest)
        let width = Int(widest[0])
        require(rows.count == positions.count * width, "placeRows: \(rows.count) values for \(positions.count) rows of \(width)")
        var whole = [Float](repeating: 0, count: total * width)
        for (row, position) in positions.enumerated() {
            require((0..<total).contains(position), "placeRows: position \(position) outside 0..<\(total)")
            whole.replaceSubrange(position * width ..< (position + 1) * width, with: rows[row * width ..< (row + 1) * width])
        }
        allReduceSum(&whole)
        return (whole, width)
    }

    /// `allGather` after checking that every process passes as many values (the parts of a
    /// global batch that splits evenly); stops with a message naming the counts otherwise.
    public func allGatherEqualCounts(_ values: [Float]) -> [Float] {
        guard size > 1 else { return values }
        var counts = [Double(values.count), -Double(values.count)]
        allReduceMax(&counts)
        require(Int(counts[0]) == values.count && Int(-counts[1]) == values.count,
                "data parallel: rank \(rank) has \(values.count) values where others have \(Int(-counts[1]))...\(Int(counts[0])): "
                + "the global batch must split evenly over the \(size) processes (make --batch-size a multiple of the ranks)")
        return allGather(values)
    }

    /// Whether any process asks to stop (so that all leave the loop together).
    public func anyRequests(_ request: Bool) -> Bool {
        guard size > 1 else { return request }
        var flag = [request ? 1.0 : 0.0]
        allReduceMax(&flag)
        return flag[0] > 0
    }
}
