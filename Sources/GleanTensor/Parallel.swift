import Dispatch
import Foundation

/// Splits `0..<count` into chunks run on both cores when the work is large enough to pay for
/// the hand-off; small loops run inline. Never call from inside a oneDNN primitive.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let chunks = min(Parallelism.workers, max(1, count / minimumPerChunk))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        body(start..<end)
    }
}

/// Public entry to the chunked loops, for other Glean modules' elementwise work (optimizers).
public enum Parallel {
    /// Runs `body` over `0..<count` in up to `Parallelism.workers` contiguous chunks.
    public static func chunks(_ count: Int, minimumPerChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, minimumPerChunk: minimumPerChunk, body)
    }
}

/// How many threads Swift-side kernels split work into.
public enum Parallelism {
    /// Worker count (the number of active processors).
    public nonisolated(unsafe) static var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
