import Foundation

/// The processor a figure was measured on: its model name, core count and the vector ISA
/// (what every timing Glean prints or writes down names).
public struct MachineDescription: Sendable, Equatable {
    /// `model name` from /proc/cpuinfo ("unknown CPU" where it is absent).
    public let cpuModel: String
    public let cores: Int
    public let hasAVX512: Bool, hasAVX2: Bool, hasAVX512BF16: Bool, hasAMX: Bool

    /// This machine, read from /proc/cpuinfo.
    public static let current: MachineDescription = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return MachineDescription(cpuinfo: text, cores: ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Parses the text of /proc/cpuinfo (its first processor's `model name` and `flags`).
    public init(cpuinfo: String, cores: Int) {
        func field(_ name: String) -> String? {
            cpuinfo.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        cpuModel = field("model name") ?? "unknown CPU"
        self.cores = cores
        hasAVX512 = flags.contains("avx512f")
        hasAVX2 = flags.contains("avx2")
        hasAVX512BF16 = flags.contains("avx512_bf16")
        hasAMX = flags.contains("amx_bf16")
    }

    /// The widest vector ISA, e.g. `AVX-512 (bf16)` or `AVX2`.
    public var isa: String {
        hasAVX512 ? "AVX-512" + (hasAVX512BF16 || hasAMX ? " (bf16\(hasAMX ? ", AMX" : ""))" : "") : hasAVX2 ? "AVX2" : "SSE"
    }

    /// `AMD EPYC 9B14, 2 cores, AVX-512 (bf16)`.
    public var summary: String { "\(cpuModel), \(cores) cores, \(isa)" }
}
