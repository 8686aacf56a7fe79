import ArgumentParser
import Foundation
import Glean
import GleanExperiments
import GleanBench

/// `glean bench`: times the named workloads, each in its own process so peak memory is per workload.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark convolution primitives and training/inference steps.")

    @Flag(help: "Print one JSON object per workload.") var json = false
    @Option(help: "Comma-separated workload names (default: all).") var only: String?
    @Option(help: "Minimum seconds to time each workload.") var seconds: Double = 3
    @OptionGroup var arithmetic: PrecisionFlag
    @Flag(help: .hidden) var inProcess = false

    func run() throws {
        let known = Workload.all.map(\.name)
        let selected = only.map { $0.split(separator: ",").map(String.init) } ?? known
        for name in selected where !known.contains(name) {
            throw ValidationError("unknown workload '\(name)'; known: \(known.joined(separator: ", "))")
        }
        if inProcess { MixedPrecision.use(arithmetic.precision) } else { PrecisionOption.apply(arithmetic.precision) }
        let fp32Peak = inProcess ? nil : ThroughputProbe.gflops(.fp32FMA)
        let bf16Peak = inProcess || !MixedPrecision.cpuHasNativeBF16 ? nil : ThroughputProbe.gflops(.bf16Dot)
        let measuredPeak = MixedPrecision.active == .bf16 ? bf16Peak : fp32Peak
        if !json && !inProcess, let fp32Peak {
            let bf16 = bf16Peak.map { String(format: ", bf16 dot products %.0f GFLOP/s", $0) } ?? ""
            print(String(format: "Glean, %d thread%@ on %d cores, oneDNN ISA %@, %@; peaks measured now: fp32 FMA %.0f GFLOP/s%@",
                         Parallelism.workers, Parallelism.workers == 1 ? "" : "s", ProcessInfo.processInfo.activeProcessorCount, MixedPrecision.isaName,
                         MixedPrecision.active.rawValue, fp32Peak, bf16))
        }
        for name in selected {
            var result: BenchmarkResult
            if inProcess || selected.count == 1 {
                result = try BenchmarkRunner.run(Workload.all.first { $0.name == name }!, minimumSeconds: seconds)
            } else {
                result = try runChild(name)
            }
            if let measuredPeak { result = result.relative(toMeasuredPeak: measuredPeak) }
            if json || inProcess {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(BenchmarkRunner.format(result))
            }
            fflush(stdout)
        }
    }

    /// Runs one workload in a fresh process of this executable and decodes its JSON line.
    private func runChild(_ name: String) throws -> BenchmarkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["bench", "--in-process", "--only", name, "--seconds", String(seconds), "--precision", arithmetic.precision.rawValue]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw WorkloadFailure(description: "workload \(name) was killed by signal \(process.terminationStatus)")
        }
        // The child has already printed its own error on the shared standard error.
        guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
        guard let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last else {
            throw WorkloadFailure(description: "workload \(name) printed no result")
        }
        return try JSONDecoder().decode(BenchmarkResult.self, from: Data(line.utf8))
    }
}

/// A benchmark child process that ended without a result.
struct WorkloadFailure: Error, CustomStringConvertible {
    let description: String
}
