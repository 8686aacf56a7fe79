import Foundation
import Glean

/// The measured figures of one workload.
public struct BenchmarkResult: Codable, Sendable {
    public let workload: String
    public let images_per_s: Double?
    public let gflops: Double
    public let peak_rss_mb: Double
    public let seconds_per_step: Double
    /// GFLOP/s the throughput probe reached on this machine in the same run for the workload's
    /// arithmetic (fp32 FMAs, or bf16 dot products in bf16), and the fraction of it.
    public var measured_peak_gflops: Double?
    public var measured_peak_fraction: Double?
    /// The machine and arithmetic: CPU model, the ISA oneDNN dispatches to (after any
    /// `DNNL_MAX_CPU_ISA`), threads, and `fp32` or `bf16`.
    public var cpu = MachineDescription.current.cpuModel
    public var onednn_isa = MixedPrecision.isaName
    public var threads = Parallelism.workers
    public var precision = MixedPrecision.active.rawValue

    private enum CodingKeys: String, CodingKey {
        case workload, images_per_s, gflops, peak_rss_mb, seconds_per_step
        case measured_peak_gflops, measured_peak_fraction, cpu, onednn_isa, threads, precision
    }

    /// Writes every key, with `null` for missing values, so scripts can rely on the key set.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workload, forKey: .workload)
        try container.encode(images_per_s, forKey: .images_per_s)
        try container.encode(gflops, forKey: .gflops)
        try container.encode(peak_rss_mb, forKey: .peak_rss_mb)
        try container.encode(seconds_per_step, forKey: .seconds_per_step)
        try container.encode(measured_peak_gflops, forKey: .measured_peak_gflops)
        try container.encode(measured_peak_fraction, forKey: .measured_peak_fraction)
        try container.encode(cpu, forKey: .cpu)
        try container.encode(onednn_isa, forKey: .onednn_isa)
        try container.encode(threads, forKey: .threads)
        try container.encode(precision, forKey: .precision)
    }

    /// The same result with the probe's figure attached.
    public func relative(toMeasuredPeak peak: Double) -> BenchmarkResult {
        var copy = self
        copy.measured_peak_gflops = peak
        copy.measured_peak_fraction = gflops / peak
        return copy
    }
}

/// Times workloads: warm-up steps first (primitive creation, allocator fill), then steps until
/// both a minimum count and a minimum time are reached; the reported time is the median step.
public enum BenchmarkRunner {
    /// Prepares and times `workload`; rethrows its setup error (e.g. a missing dataset).
    public static func run(_ workload: Workload, minimumSteps: Int = 5, minimumSeconds: Double = 3) throws -> BenchmarkResult {
        let (step, flops) = try workload.prepare()
        for _ in 0..<2 { step() }
        var times: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        while times.count < minimumSteps || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minimumSeconds {
            let begin = DispatchTime.now().uptimeNanoseconds
            step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
            if times.count >= 200 { break }
        }
        times.sort()
        let median = times[times.count / 2]
        let gflops = flops / median / 1e9
        return BenchmarkResult(workload: workload.name,
                               images_per_s: workload.imagesPerStep.map { Double($0) / median },
                               gflops: gflops,
                               peak_rss_mb: peakResidentMegabytes(), seconds_per_step: median,
                               measured_peak_gflops: nil, measured_peak_fraction: nil)
    }

    /// Peak resident set size of this process in MiB.
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// One line per result, in the same format as `Benchmarks/pytorch_reference.py`.
    public static func format(_ result: BenchmarkResult) -> String {
        let images = result.images_per_s.map { String(format: "%9.1f img/s", $0) } ?? String(repeating: " ", count: 15)
        let name = result.workload.padding(toLength: 26, withPad: " ", startingAt: 0)
        let measured = result.measured_peak_fraction.map { String(format: " %6.1f%% of peak", 100 * $0) } ?? ""
        return name + " " + images + String(format: " %8.1f GFLOP/s", result.gflops) + measured + String(format: " %8.0f MB peak RSS", result.peak_rss_mb)
    }
}
