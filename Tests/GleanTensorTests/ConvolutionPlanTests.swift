@testable import GleanTensor
import Testing

/// The one rule that picks a convolution's kernels, on made-up CPUs: the same layer shapes go
/// to different kernels by ISA, precision and configuration, as `ConvolutionPlan.choose` says.
@Suite struct ConvolutionPlanTests {
    static let avx2 = ConvolutionCPU(hasAVX2FMA: true, oneDNNHasAVX512: false)
    static let avx512 = ConvolutionCPU(hasAVX2FMA: true, oneDNNHasAVX512: true)

    static func geometry(inC: Int = 64, outC: Int = 64, size: Int = 16, kernel: Int = 3, stride: Int = 1, padding: Int = 1,
                         groups: Int = 1, hasBias: Bool = false) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: 8, inputChannels: inC, height: size, width: size, outputChannels: outC,
                            kernelHeight: kernel, kernelWidth: kernel, stride: (stride, stride), padding: (padding, padding),
                            dilation: (1, 1), groups: groups, hasBias: hasBias)
    }

    static func plan(_ geometry: ConvolutionGeometry, _ cpu: ConvolutionCPU, precision: Precision = .fp32,
                     algorithm: ConvolutionAlgorithm = .auto, ownKernels: OwnKernelUse = .whereFaster) -> ConvolutionPlan {
        ConvolutionPlan.choose(geometry, KernelConfiguration(algorithm: algorithm, ownKernels: ownKernels, precision: precision), cpu: cpu)
    }

    @Test func winogradCandidatesTakeTheWinogradOfTheirISA() {
        let layer = Self.geometry()
        #expect(Self.plan(layer, Self.avx512).kernel == .oneDNNWinograd)
        #expect(Self.plan(layer, Self.avx2).kernel == .ownWinograd)
        #expect(Self.plan(layer, Self.avx2).weightGradientKernel == .ownWinograd)
        #expect(Self.plan(layer, Self.avx512, ownKernels: .always).kernel == .ownWinograd)
        #expect(Self.plan(layer, Self.avx2, ownKernels: .never).kernel == .oneDNNWinograd)
        #expect(Self.plan(layer, Self.avx2, algorithm: .direct) == .direct(bf16: false))
        #expect(Self.plan(layer, ConvolutionCPU(hasAVX2FMA: false, oneDNNHasAVX512: false)).kernel == .oneDNNWinograd)
    }

    @Test func otherShapesRunDirect() {
        for layer in [Self.geometry(inC: 8), Self.geometry(outC: 8), Self.geometry(kernel: 5, padding: 2), Self.geometry(stride: 2),
                      Self.geometry(groups: 2), Self.geometry(kernel: 1, padding: 0)] {
            #expect(Self.plan(layer, Self.avx2) == .direct(bf16: false))
            #expect(Self.plan(layer, Self.avx512) == .direct(bf16: false))
        }
        // Glean's Winograd pads by at most 2; oneDNN takes the rest.
        #expect(Self.plan(Self.geometry(padding: 3), Self.avx2).kernel == .oneDNNWinograd)
    }

    @Test func grayscaleFirstLayersTakeTheirWeightGradientOnTheOwnKernelBelowAVX512() {
        let first = Self.geometry(inC: 1, outC: 32)
        #expect(Self.plan(first, Self.avx2) == ConvolutionPlan(kernel: .oneDNNDirect, bf16: false,
                                                                 weightGradientKernel: .ownSingleChannelGradient, weightGradientBF16: false))
        #expect(Self.plan(first, Self.avx512) == .direct(bf16: false))
        #expect(Self.plan(Self.geometry(inC: 1, outC: 12), Self.avx2) == .direct(bf16: false))
        #expect(Self.plan(first, Self.avx2, precision: .bf16).weightGradientKernel == .oneDNNDirect)
    }

    @Test func bf16RunsTheOwnWinogradAndSmallWeightGradientsInFP32() {
        let layer = Self.geometry()
        #expect(Self.plan(layer, Self.avx512, precision: .bf16)
                == ConvolutionPlan(kernel: .ownBF16Winograd, bf16: true, weightGradientKernel: .ownBF16Winograd, weightGradientBF16: true))
        #expect(Self.plan(layer, Self.avx512, precision: .bf16, ownKernels: .never) == .direct(bf16: true))
        // With a bias the weight gradient goes to oneDNN; at 4x4 outputs in fp32, on its Winograd.
        #expect(Self.plan(Self.geometry(hasBias: true), Self.avx512, precision: .bf16).weightGradientKernel == .oneDNNDirect)
        #expect(Self.plan(Self.geometry(size: 4, hasBias: true), Self.avx512, precision: .bf16)
                == ConvolutionPlan(kernel: .ownBF16Winograd, bf16: true, weightGradientKernel: .oneDNNWinograd, weightGradientBF16: false))
        #expect(Self.plan(Self.geometry(size: 4), Self.avx512, precision: .bf16, ownKernels: .never)
                == ConvolutionPlan(kernel: .oneDNNDirect, bf16: true, weightGradientKernel: .oneDNNWinograd, weightGradientBF16: false))
        // 1x1 layers with outputs of 4x4 or less too; a 3x3 stride-2 layer stays bf16.
        #expect(Self.plan(Self.geometry(size: 4, kernel: 1, padding: 0), Self.avx512, precision: .bf16)
                == ConvolutionPlan(kernel: .oneDNNDirect, bf16: true, weightGradientKernel: .oneDNNDirect, weightGradientBF16: false))
        #expect(Self.plan(Self.geometry(size: 7, stride: 2), Self.avx512, precision: .bf16) == .direct(bf16: true))
    }

    @Test func theConfigurationIsTaskLocalWithTheEnvironmentAsDefault() {
        #expect(KernelConfiguration.fromEnvironment([:]) == KernelConfiguration())
        #expect(KernelConfiguration.fromEnvironment(["GLEAN_OWN_KERNELS": "0", "GLEAN_CONV_ALGORITHM": "direct"])
                == KernelConfiguration(algorithm: .direct, ownKernels: .never))
        #expect(KernelConfiguration.fromEnvironment(["GLEAN_OWN_KERNELS": "1"]).ownKernels == .always)
        let outside = KernelConfiguration.current
        KernelConfiguration.with({ $0.algorithm = .direct }) {
            #expect(KernelConfiguration.current.algorithm == .direct)
            #expect(KernelConfiguration.current.ownKernels == outside.ownKernels)
        }
        #expect(KernelConfiguration.current == outside)
    }
}
