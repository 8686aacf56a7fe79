import Testing
@testable import GleanTensor

/// The first-layer weight-gradient kernel (one input channel, 3x3, stride 1; the AVX2 path)
/// against sums in Double. Each weight-gradient entry sums N·OH·OW products in fp32 (8 lanes,
/// sequential per lane), so its error is a few times ε·√terms relative to Σ|dy·x|: 1e-5 of that
/// sum is far above rounding and far below any indexing mistake.
@Suite struct SingleChannelGradientTests {
    @Test(arguments: [(16, 9, 0, true), (64, 28, 0, true), (8, 7, 1, false), (24, 12, 2, true)])
    func weightAndBiasGradientsMatchDoubleSums(outC: Int, size: Int, padding: Int, hasBias: Bool) throws {
        guard ConvolutionCPU.this.hasAVX2FMA else { return }
        var generator = RandomGenerator(seed: UInt64(outC * 100 + size))
        let batch = 3, outSize = size + 2 * padding - 2
        let x = Tensor.normal([batch, 1, size, size], generator: &generator)
        let weight = Tensor.normal([outC, 1, 3, 3], generator: &generator).requiringGrad()
        let bias = hasBias ? Tensor.normal([outC], generator: &generator).requiringGrad() : nil
        let upstream = Tensor.normal([batch, outC, outSize, outSize], generator: &generator)
        let output = KernelConfiguration.with({ $0.ownKernels = .always }) { x.conv2d(weight: weight, bias: bias, padding: (padding, padding)) }
        (output * upstream).sum().backward()
        let (image, dy) = (x.scalars, upstream.scalars)
        let weightGradient = weight.grad!.scalars, biasGradient = bias?.grad!.scalars
        for o in 0..<outC {
            var biasSum = 0.0, biasScale = 0.0
            for k in 0..<9 {
                var sum = 0.0, scale = 0.0
                for n in 0..<batch {
                    for y in 0..<outSize {
                        for x0 in 0..<outSize {
                            let g = Double(dy[((n * outC + o) * outSize + y) * outSize + x0])
                            if k == 0 { biasSum += g; biasScale += abs(g) }
                            let iy = y + k / 3 - padding, ix = x0 + k % 3 - padding
                            guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                            let term = g * Double(image[(n * size + iy) * size + ix])
                            sum += term
                            scale += abs(term)
                        }
                    }
                }
                #expect(abs(Double(weightGradient[o * 9 + k]) - sum) <= 1e-5 * scale, "dW[\(o)][\(k)]")
            }
            if let biasGradient { #expect(abs(Double(biasGradient[o]) - biasSum) <= 1e-5 * biasScale, "db[\(o)]") }
        }
    }

    /// The layers the tests above run take this kernel when it is on, and only those layers do:
    /// otherwise the tests could pass on oneDNN's path alone.
    @Test func routesOnlyGrayscaleThreeByThreeLayers() {
        func geometry(inC: Int = 1, outC: Int = 16, kernel: Int = 3, stride: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(batch: 2, inputChannels: inC, height: 10, width: 10, outputChannels: outC,
                                kernelHeight: kernel, kernelWidth: kernel, stride: (stride, stride), padding: (1, 1),
                                dilation: (1, 1), groups: 1, hasBias: true)
        }
        func runsHere(_ geometry: ConvolutionGeometry, _ ownKernels: OwnKernelUse = .always) -> Bool {
            ConvolutionPlan.choose(geometry, KernelConfiguration(ownKernels: ownKernels)).weightGradientKernel == .ownSingleChannelGradient
        }
        #expect(runsHere(geometry()) == ConvolutionCPU.this.hasAVX2FMA)
        #expect(!runsHere(geometry(inC: 3)))
        #expect(!runsHere(geometry(outC: 12)))
        #expect(!runsHere(geometry(kernel: 5)))
        #expect(!runsHere(geometry(stride: 2)))
        #expect(!runsHere(geometry(), .never))
    }

    /// With the kernel on, a first layer whose input needs a gradient still gets oneDNN's input
    /// gradient, equal to the one of the oneDNN-only path.
    @Test func inputGradientIsUnchanged() throws {
        guard ConvolutionCPU.this.hasAVX2FMA else { return }
        var generator = RandomGenerator(seed: 5)
        let x = Tensor.normal([2, 1, 10, 10], generator: &generator)
        let weight = Tensor.normal([16, 1, 3, 3], generator: &generator)
        let upstream = Tensor.normal([2, 16, 10, 10], generator: &generator)
        func gradients(own: Bool) -> [[Float]] {
            let (input, kernel) = (x.requiringGrad(), weight.requiringGrad())
            let output = KernelConfiguration.with({ $0.ownKernels = own ? .always : .never }) { input.conv2d(weight: kernel, padding: (1, 1)) }
            (output * upstream).sum().backward()
            return [input.grad!.scalars, kernel.grad!.scalars]
        }
        let (own, reference) = (gradients(own: true), gradients(own: false))
        #expect(own[0] == reference[0])
        let scale = reference[1].map(abs).max()!
        #expect(zip(own[1], reference[1]).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}
