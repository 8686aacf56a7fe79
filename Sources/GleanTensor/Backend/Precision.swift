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
    /// bf16 where the CPU has native bf16 instructions (avx512_bf16 or AMX), else fp32.
    case auto
}

/// The precision setting: one switch for the whole process (`use`), which a task can override
/// for the code it runs (`with`).
public enum MixedPrecision {
    private nonisolated(unsafe) static var processWide: Precision = .fp32
    @TaskLocal private static var scoped: Precision?

    /// The precision convolutions run in now: `.fp32` or `.bf16`, never `.auto`.
    public static var active: Precision { scoped ?? processWide }

    /// Whether oneDNN dispatches to an ISA with native bf16 dot products on this CPU (after any
    /// `DNNL_MAX_CPU_ISA` limit).
    public static var cpuHasNativeBF16: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return isa & bf16 == bf16
    }

    /// What `requested` means on this CPU: `.bf16` without native bf16 falls back to fp32 (with
    /// a sentence saying so), `.auto` is bf16 only where it is native.
    public static func resolve(_ requested: Precision) -> (precision: Precision, note: String?) {
        switch requested {
        case .fp32: return (.fp32, nil)
        case .bf16, .auto:
            if cpuHasNativeBF16 { return (.bf16, nil) }
            return (.fp32, requested == .bf16 ? "this CPU has no native bf16 (oneDNN ISA \(isaName)); running in fp32" : nil)
        }
    }

    /// Sets the precision of the whole process; returns what is active now and, when the
    /// request could not be honoured, why.
    @discardableResult
    public static func use(_ requested: Precision) -> (active: Precision, note: String?) {
        let (precision, note) = resolve(requested)
        processWide = precision
        return (precision, note)
    }

    /// Runs `body` with `requested` (resolved as `use` does) for this task only.
    public static func with<T>(_ requested: Precision, _ body: () throws -> T) rethrows -> T {
        try $scoped.withValue(resolve(requested).precision, operation: body)
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
