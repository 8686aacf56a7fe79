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
}

/// The process group of this process (`SingleProcess` unless a launcher installed another).
public enum DataParallel {
    nonisolated(unsafe) private static var installed: ProcessGroup = SingleProcess()

    /// The group training uses.
    public static var group: ProcessGroup { installed }

    /// Makes `group` the process's group; call once at start, before any training.
    public static func install(_ group: ProcessGroup) { installed = group }

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
    /// Replaces every gradient of `parameters` by its weighted average over the processes:
    /// this process's gradient (of the mean loss over its `examples` of the step) counts in
    /// proportion to `examples`, so the result is the gradient of the mean loss over the global
    /// batch. Parameters without a gradient here count as zeros. One fp32 buffer is reduced per
    /// call (the example counts with it), whatever the precision of the step.
    public func averageGradients(_ parameters: [Parameter], examples: Int) {
        guard size > 1 else { return }
        let weight = Float(examples)
        var buffer = [Float]()
        buffer.reserveCapacity(parameters.reduce(1) { $0 + $1.value.count })
        for parameter in parameters {
            if let grad = parameter.grad {
                buffer += grad.scalars.map { $0 * weight }
            } else {
                buffer += [Float](repeating: 0, count: parameter.value.count)
            }
        }
        buffer.append(weight)
        allReduceSum(&buffer)
        let total = max(buffer.removeLast(), 1)
        var offset = 0
        for parameter in parameters {
            let count = parameter.value.count
            let average = buffer[offset ..< offset + count].map { $0 / total }
            parameter.value.replaceGrad(with: Tensor(average, shape: parameter.value.shape))
            offset += count
        }
    }

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
