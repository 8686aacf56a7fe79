import CDNNL
import COwnKernels

/// One implementation of a convolution pass.
enum ConvolutionKernel: Int, Sendable {
    /// oneDNN's direct convolution (`jit:avx512_core`, `jit:avx2`, …), fp32 or bf16 operands.
    case oneDNNDirect
    /// oneDNN's Winograd (fp32, AVX-512 only; oneDNN runs direct where it has none).
    case oneDNNWinograd
    /// Glean's AVX2 Winograd F(4x4, 3x3), fp32 (`OwnWinograd`).
    case ownWinograd
    /// Glean's bf16 Winograd F(2x2, 3x3) (`BF16Winograd`).
    case ownBF16Winograd
    /// Glean's AVX2 weight gradient of a grayscale first layer (`SingleChannelGradient`).
    case ownSingleChannelGradient
}

/// What this CPU offers the kernels.
struct ConvolutionCPU: Sendable {
    /// AVX2 and FMA, which Glean's own kernels need.
    var hasAVX2FMA: Bool
    /// Whether oneDNN dispatches to AVX-512 (where it has Winograd and fast first-layer gradients).
    var oneDNNHasAVX512: Bool

    /// This machine, after any `DNNL_MAX_CPU_ISA` limit.
    static let this: ConvolutionCPU = {
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        return ConvolutionCPU(hasAVX2FMA: glean_own_kernels_cpu_supported() != 0,
                              oneDNNHasAVX512: dnnl_get_effective_cpu_isa().rawValue & avx512 == avx512)
    }()
}

/// The kernels one convolution layer runs on: forward and backward-data on `kernel`, the weight
/// (and bias) gradient on `weightGradientKernel`, each in fp32 or bf16. Chosen once per layer call
/// by `choose`, so that the backward passes take the path the forward pass took.
struct ConvolutionPlan: Equatable, Sendable {
    var kernel: ConvolutionKernel
    /// Forward and backward-data read bf16 operands (source, weights, output gradient).
    var bf16: Bool
    var weightGradientKernel: ConvolutionKernel
    /// The weight gradient reads bf16 operands.
    var weightGradientBF16: Bool

    /// oneDNN's direct convolution in every pass.
    static func direct(bf16: Bool) -> ConvolutionPlan {
        ConvolutionPlan(kernel: .oneDNNDirect, bf16: bf16, weightGradientKernel: .oneDNNDirect, weightGradientBF16: bf16)
    }

    /// The one rule that picks the kernels of a layer of `geometry`'s shape under `configuration`
    /// on `cpu`:
    /// - Winograd candidates: 3x3, stride 1, no dilation or groups, ≥ 16 input and output
    ///   channels, algorithm `.auto`. In fp32 they run on Glean's AVX2 Winograd where oneDNN has
    ///   none (below AVX-512; padding ≤ 2), else on oneDNN's Winograd; in bf16 on Glean's bf16
    ///   Winograd (oneDNN has none in bf16), else oneDNN direct.
    /// - A grayscale 3x3 stride-1 first layer (output channels a multiple of 8) in fp32 below
    ///   AVX-512 takes its weight gradient on Glean's kernel: oneDNN's AVX2 one ran at a tenth
    ///   of the FMA peak.
    /// - bf16 weight gradients of Winograd candidates and 1x1 layers with outputs of 4x4 or less
    ///   run in fp32 (oneDNN 2.6's bf16 kernel is slow there; on the fp32 Winograd where the
    ///   layer is a candidate); a bf16 Winograd layer with a bias takes its weight gradient on
    ///   oneDNN by that rule too.
    /// - `ownKernels` `.never` keeps every pass on oneDNN; `.always` runs Glean's AVX2 kernels
    ///   also where oneDNN has AVX-512.
    static func choose(_ geometry: ConvolutionGeometry, _ configuration: KernelConfiguration,
                       cpu: ConvolutionCPU = .this) -> ConvolutionPlan {
        let bf16 = configuration.precision == .bf16
        let winogradCandidate = configuration.algorithm == .auto && geometry.groups == 1 && geometry.stride == (1, 1)
            && geometry.dilation == (1, 1) && geometry.kernelHeight == 3 && geometry.kernelWidth == 3
            && geometry.inputChannels >= 16 && geometry.outputChannels >= 16
        let ownKernelsWanted: Bool = switch configuration.ownKernels {
        case .whereFaster: !cpu.oneDNNHasAVX512
        case .always: true
        case .never: false
        }
        let avx2Kernels = cpu.hasAVX2FMA && ownKernelsWanted
        let ownWinogradFits = winogradCandidate && geometry.padding.0 <= 2 && geometry.padding.1 <= 2

        let pointwise = geometry.kernelHeight == 1 && geometry.kernelWidth == 1
        let smallOutput = geometry.outputHeight * geometry.outputWidth <= 16
        let weightGradientBF16 = bf16 && !((winogradCandidate || pointwise) && smallOutput)
        let oneDNNWeightGradient: ConvolutionKernel = winogradCandidate && !weightGradientBF16 ? .oneDNNWinograd : .oneDNNDirect

        if bf16 {
            guard ownWinogradFits && configuration.ownKernels != .never else {
                return ConvolutionPlan(kernel: .oneDNNDirect, bf16: true, weightGradientKernel: oneDNNWeightGradient,
                                       weightGradientBF16: weightGradientBF16)
            }
            return geometry.hasBias
                ? ConvolutionPlan(kernel: .ownBF16Winograd, bf16: true, weightGradientKernel: oneDNNWeightGradient,
                                  weightGradientBF16: weightGradientBF16)
                : ConvolutionPlan(kernel: .ownBF16Winograd, bf16: true, weightGradientKernel: .ownBF16Winograd, weightGradientBF16: true)
        }
        if ownWinogradFits && avx2Kernels {
            return ConvolutionPlan(kernel: .ownWinograd, bf16: false, weightGradientKernel: .ownWinograd, weightGradientBF16: false)
        }
        let kernel: ConvolutionKernel = winogradCandidate ? .oneDNNWinograd : .oneDNNDirect
        let firstLayer = geometry.inputChannels == 1 && geometry.groups == 1 && geometry.kernelHeight == 3
            && geometry.kernelWidth == 3 && geometry.stride == (1, 1) && geometry.dilation == (1, 1)
            && geometry.outputChannels % 8 == 0
        return ConvolutionPlan(kernel: kernel, bf16: false,
                               weightGradientKernel: firstLayer && avx2Kernels ? .ownSingleChannelGradient : kernel,
                               weightGradientBF16: false)
    }
}
