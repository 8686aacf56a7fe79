import CThreadTeam

/// Splits `0..<count` into chunks run on both cores when the work is large enough to pay for
/// the hand-off; small loops run inline. Never call from inside a oneDNN primitive.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let chunks = min(Parallelism.workers, max(1, count / minimumPerChunk))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    Parallel.run(chunks: chunks) { chunk in
        body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
}

/// Public entry to the chunked loops, for other Glean modules' elementwise work (optimizers).
public enum Parallel {
    /// Runs `body` over `0..<count` in up to `Parallelism.workers` contiguous chunks.
    public static func chunks(_ count: Int, minimumPerChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, minimumPerChunk: minimumPerChunk, body)
    }

    /// Calls `body(chunk)` for every chunk in `0..<chunks`, each on its own thread of the OpenMP
    /// team that oneDNN's primitives use (one pool of threads for both, so that neither spins
    /// beside the other), and returns when all have run.
    public static func run(chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            var work = escapable
            withUnsafeMutablePointer(to: &work) { pointer in
                glean_team_run(Int32(chunks), pointer) { context, chunk in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(chunk))
                }
            }
        }
    }
}

/// How many threads Swift-side kernels split work into.
public enum Parallelism {
    /// Worker count: the OpenMP team's size, so `OMP_NUM_THREADS` or a CPU affinity mask
    /// (`taskset`, a container's cpuset) limits Glean's loops and oneDNN's primitives alike.
    public nonisolated(unsafe) static var workers = max(1, Int(glean_team_size()))
}
