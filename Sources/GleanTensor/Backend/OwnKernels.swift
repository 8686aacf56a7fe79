import CDNNL
import COwnKernels
import Foundation

/// When Glean's own kernels replace oneDNN's: the AVX2 ones (`OwnWinograd`,
/// `SingleChannelGradient`) on CPUs with AVX2 + FMA where oneDNN dispatches below AVX-512 (there
/// oneDNN has no Winograd and its first-layer weight gradients are slow); the bf16 Winograd
/// (`BF16Winograd`) wherever bf16 mixed precision runs (oneDNN has no bf16 Winograd).
/// `GLEAN_OWN_KERNELS=0` turns all of them off.
enum OwnKernels {
    /// Whether this CPU has AVX2 and FMA, which the kernels' code needs.
    static let cpuSupported = glean_own_kernels_cpu_supported() != 0

    /// Whether the kernels run by default: AVX2 + FMA present, oneDNN below AVX-512, and not
    /// switched off by `GLEAN_OWN_KERNELS=0`.
    static let isEnabled: Bool = {
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        let belowAVX512 = dnnl_get_effective_cpu_isa().rawValue & avx512 != avx512
        return belowAVX512 && cpuSupported && notSwitchedOff
    }()

    private static let notSwitchedOff = ProcessInfo.processInfo.environment["GLEAN_OWN_KERNELS"] != "0"

    /// Overrides `isEnabled` for the current task (to compare both paths on one machine).
    @TaskLocal static var forced: Bool?

    /// Whether the kernels run for the current task.
    static var active: Bool { forced.map { $0 && cpuSupported } ?? isEnabled }

    /// Whether the bf16 Winograd runs for the current task (for convolutions in bf16, which
    /// `MixedPrecision` allows only on CPUs with native bf16).
    static var bf16WinogradActive: Bool { forced ?? notSwitchedOff }
}
