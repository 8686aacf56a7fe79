import CPeakProbe
import Dispatch
import Foundation
import Glean

/// Measures the fp32 multiply-add throughput this process can reach right now: every thread
/// of Glean's team (`Parallelism.workers`) runs independent FMA chains on registers only.
/// Hosts that share or throttle cores deliver less than the nominal figure, so benchmarks
/// report their GFLOP/s against both.
public enum PeakProbe {
    /// Best GFLOP/s over all of the team's threads seen within `seconds`, on the vector width
    /// oneDNN dispatches to (AVX2 when `DNNL_MAX_CPU_ISA` keeps it below AVX-512).
    public static func measure(seconds: Double = 1) -> Double {
        let allowAVX512: Int32 = MixedPrecision.isaName.hasPrefix("avx512") ? 1 : 0
        let workers = Parallelism.workers
        var best = 0.0
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            let flops = UnsafeMutablePointer<Double>.allocate(capacity: workers)
            defer { flops.deallocate() }
            Parallel.run(chunks: workers) { worker in
                let value = glean_fma_chains(5_000_000, Float(worker + 1), allowAVX512, flops + worker)
                if value.isNaN { print("") }
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let total = (0..<workers).reduce(0.0) { $0 + flops[$1] }
            best = max(best, total / elapsed / 1e9)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return best
    }
}
