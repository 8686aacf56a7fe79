import COwnKernels
import Dispatch
import Glibc

/// Measures the arithmetic throughput this process reaches right now, on registers only: fp32
/// fused multiply-adds on the vector width oneDNN dispatches to, and bf16 dot products
/// (`vdpbf16ps`). Hosts that share or throttle cores deliver less than the nominal figures; and
/// CPUs differ in how fast bf16 runs next to fp32 (AMD Zen 4 and 5: about twice as fast; an Intel
/// Xeon without AMX: about half as fast, so that bf16 there only costs time).
public enum ThroughputProbe {
    /// The arithmetic a probe times.
    public enum Arithmetic: Sendable {
        /// fp32 fused multiply-adds, AVX-512 where oneDNN dispatches to it, else AVX2.
        case fp32FMA
        /// bf16 dot products with fp32 sums (avx512_bf16); 0 GFLOP/s on CPUs without them.
        case bf16Dot
    }

    /// Best GFLOP/s over all threads of Glean's team (`Parallelism.workers`) seen within
    /// `seconds`; 2 operations per multiply-add.
    public static func gflops(_ arithmetic: Arithmetic, seconds: Double = 1) -> Double {
        let workers = Parallelism.workers
        let flops = UnsafeMutablePointer<Double>.allocate(capacity: workers)
        defer { flops.deallocate() }
        var best = 0.0
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            Parallel.run(chunks: workers) { worker in run(arithmetic, iterations: 5_000_000, seed: Float(worker + 1), flops: flops + worker) }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, (0..<workers).reduce(0.0) { $0 + flops[$1] } / elapsed / 1e9)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return best
    }

    /// bf16 dot-product GFLOP/s over fp32 FMA GFLOP/s on one thread (0 without avx512_bf16):
    /// short runs of each, interleaved, timed in the thread's CPU time and the best of each
    /// kept, so that a neighbour taking the core slows neither. About 20 ms.
    public static func bf16Speedup() -> Double {
        var flops = 0.0
        var best = (fp32: 0.0, bf16: 0.0)
        for _ in 0..<8 {
            for arithmetic in [Arithmetic.fp32FMA, .bf16Dot] {
                let start = threadCPUNanoseconds()
                run(arithmetic, iterations: 400_000, seed: 1, flops: &flops)
                let rate = flops / Double(max(1, threadCPUNanoseconds() - start))
                if arithmetic == .fp32FMA { best.fp32 = max(best.fp32, rate) } else { best.bf16 = max(best.bf16, rate) }
            }
        }
        return best.fp32 > 0 ? best.bf16 / best.fp32 : 0
    }

    private static func threadCPUNanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    private static func run(_ arithmetic: Arithmetic, iterations: Int, seed: Float, flops: UnsafeMutablePointer<Double>) {
        let value: Float
        switch arithmetic {
        case .fp32FMA:
            let allowAVX512: Int32 = MixedPrecision.isaName.hasPrefix("avx512") ? 1 : 0
            value = glean_fma_chains(iterations, seed, allowAVX512, flops)
        case .bf16Dot:
            value = glean_bf16_dot_chains(iterations, seed, flops)
        }
        // Keeps the chains' result alive (it is never NaN).
        if value.isNaN { print("") }
    }
}
