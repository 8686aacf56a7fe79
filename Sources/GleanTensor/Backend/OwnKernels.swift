import CDNNL
import COwnKernels
import Foundation

/// When Glean's own AVX2 kernels (`OwnWinograd`, `SingleChannelGradient`) replace oneDNN's:
/// on CPUs with AVX2 + FMA where oneDNN dispatches below AVX-512 (there oneDNN has no Winograd and
/// its first-layer weight gradients are slow). `GLEAN_OWN_KERNELS=0` turns them off.
enum OwnKernels {
    /// Whether this CPU has AVX2 and FMA, which the kernels' code needs.
    static let cpuSupported = glean_own_kernels_cpu_supported() != 0

    /// Whether the kernels run by default: AVX2 + FMA present, oneDNN below AVX-512, and not
    /// switched off by `GLEAN_OWN_KERNELS=0`.
    static let isEnabled: Bool = {
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        let belowAVX512 = dnnl_get_effective_cpu_isa().rawValue & avx512 != avx512
        return belowAVX512 && cpuSupported && ProcessInfo.processInfo.environment["GLEAN_OWN_KERNELS"] != "0"
    }()

    /// Overrides `isEnabled` for the current task (to compare both paths on one machine).
    @TaskLocal static var forced: Bool?

    /// Whether the kernels run for the current task.
    static var active: Bool { forced.map { $0 && cpuSupported } ?? isEnabled }
}
