import CDNNL
import Foundation

/// The arithmetic that convolutions run in.
public enum Precision: String, Sendable, CaseIterable {
    /// Everything in fp32.
    case fp32
    /// bfloat16 mixed precision: convolutions read bf16 activations and weights and write fp32;
    /// batch norm, activations, losses, reductions, optimizer (master weights) and checkpoints
    /// stay fp32.
    case bf16
    /// bf16 where it is faster: on CPUs with AMX, or with avx512_bf16 dot products at least
    /// `MixedPrecision.worthwhileBF16Speedup` times the fp32 FMA rate (AMD Zen 4 and 5); else
    /// fp32 (Intel Xeons without AMX, whose bf16 dot products run at about half the fp32 rate;
    /// CPUs without bf16).
    case auto
}

/// The precision part of `KernelConfiguration`: what a requested precision means on this CPU,
/// and shortcuts that set it for the whole process (`use`) or for a task (`with`).
public enum MixedPrecision {
    /// The precision convolutions run in now: `.fp32` or `.bf16`, never `.auto`.
    public static var active: Precision { KernelConfiguration.current.precision }

    /// Whether oneDNN dispatches to an ISA with native bf16 dot products on this CPU (after any
    /// `DNNL_MAX_CPU_ISA` limit).
    public static var cpuHasNativeBF16: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return isa & bf16 == bf16
    }

    /// Whether oneDNN dispatches to AMX, whose bf16 tile products outrun any vector unit.
    public static var cpuHasAMX: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let amx = dnnl_cpu_isa_avx512_core_amx.rawValue
        return isa & amx == amx
    }

    /// The bf16-over-fp32 rate of this CPU's vector units at which bf16 mixed precision pays for
    /// its conversions: Zen 4 and Zen 5 measure about 2, an Intel Xeon without AMX 0.47.
    public static let worthwhileBF16Speedup = 1.4

    /// bf16 dot products over fp32 FMAs on this CPU (`ThroughputProbe.bf16Speedup`), measured
    /// once per process, on the first `.auto` or `.bf16` request on a CPU with native bf16.
    public static let measuredBF16Speedup: Double = ThroughputProbe.bf16Speedup()

    /// What `requested` means on this CPU: `.bf16` without native bf16 falls back to fp32 (with
    /// a sentence saying so) and runs as asked where bf16 is native but slow (with a sentence
    /// saying that too); `.auto` is bf16 only where it is native and faster.
    public static func resolve(_ requested: Precision) -> (precision: Precision, note: String?) {
        guard requested != .fp32 else { return (.fp32, nil) }
        guard cpuHasNativeBF16 else {
            return (.fp32, requested == .bf16 ? "this CPU has no native bf16 (oneDNN ISA \(isaName)); running in fp32" : nil)
        }
        return choose(requested, amx: cpuHasAMX, bf16Speedup: cpuHasAMX ? .infinity : measuredBF16Speedup, isa: isaName)
    }

    /// The rule of `resolve` on a CPU with native bf16, given what it measured: `bf16Speedup`
    /// is bf16 dot products over fp32 FMAs on its vector units.
    public static func choose(_ requested: Precision, amx: Bool, bf16Speedup: Double, isa: String) -> (precision: Precision, note: String?) {
        let faster = amx || bf16Speedup >= worthwhileBF16Speedup
        let rate = String(format: "%.2f", bf16Speedup)
        switch requested {
        case .fp32: return (.fp32, nil)
        case .auto:
            return faster ? (.bf16, nil) : (.fp32, "auto: fp32, since this CPU's bf16 dot products run at \(rate)x its fp32 FMA rate "
                                                   + "(oneDNN ISA \(isa), no AMX), too little to pay for converting operands to bf16")
        case .bf16:
            return (.bf16, faster ? nil : "this CPU's bf16 dot products run at \(rate)x its fp32 FMA rate (oneDNN ISA \(isa), no AMX), "
                                          + "so bf16 mixed precision is likely slower than fp32 here (--precision auto picks fp32)")
        }
    }

    /// Sets the precision of the whole process's `KernelConfiguration`; returns what is active
    /// now and, when the request could not be honoured, why.
    @discardableResult
    public static func use(_ requested: Precision) -> (active: Precision, note: String?) {
        let (precision, note) = resolve(requested)
        var configuration = KernelConfiguration.processWide
        configuration.precision = precision
        KernelConfiguration.install(configuration)
        return (precision, note)
    }

    /// Runs `body` with `requested` (resolved as `use` does) for this task only.
    public static func with<T>(_ requested: Precision, _ body: () throws -> T) rethrows -> T {
        try KernelConfiguration.with({ $0.precision = requested }, body)
    }

    /// oneDNN's name for the ISA it dispatches to, e.g. `avx512_core_bf16`.
    public static var isaName: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_sse41: return "sse41"
        case let other: return "isa 0x\(String(other.rawValue, radix: 16))"
        }
    }
}
