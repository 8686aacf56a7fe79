import Foundation
import Testing
@testable import GleanTensor

/// Glean's bf16 Winograd F(2x2, 3x3) (`BF16Winograd`), on CPUs with native bf16.
///
/// Exactness: with inputs in {0, …, 3}, weights in {−2, …, 2} and output gradients in
/// {−2, …, 2}, every value the kernel rounds to bf16 is exact in 8 significant bits (transformed
/// inputs and gradients are sums of four ± terms, |·| ≤ 12; transformed weights are quarters
/// with |·| ≤ 4.5) and every fp32 sum is an exact multiple of 1/4 far below 2^24, so the
/// Winograd result must equal oneDNN's direct convolution bit for bit: any indexing, padding, edge
/// or transform mistake shows. Accuracy on random data is tested against oneDNN's direct bf16
/// convolution on the same operands.
@Suite(.enabled(if: MixedPrecision.cpuHasNativeBF16)) struct BF16WinogradTests {
    static func integers(_ shape: [Int], in range: ClosedRange<Int>, generator: inout RandomGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { _ in Float(range.lowerBound + Int(generator.nextUniform() * Float(range.count)) % range.count) }
        return Tensor(values, shape: Shape(shape))
    }

    /// Output, input gradient, weight gradient and (with a bias) bias gradient of one convolution
    /// whose output gradient is `upstream`, with Glean's own kernels on or off, in `precision`.
    static func pass(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, upstream: Tensor, padding: Int, own: Bool,
                     precision: Precision) -> [[Float]] {
        KernelConfiguration.with({ $0.ownKernels = own ? .always : .never }) {
            MixedPrecision.with(precision) {
                let (input, kernel, shift) = (x.requiringGrad(), weight.requiringGrad(), bias?.requiringGrad())
                let output = input.conv2d(weight: kernel, bias: shift, padding: (padding, padding))
                (output * upstream).sum().backward()
                return [output.scalars, input.grad!.scalars, kernel.grad!.scalars] + (shift.map { [$0.grad!.scalars] } ?? [])
            }
        }
    }

    /// The weight gradient Σ upstream[n, o, y, x] · x[n, i, y + ky − padding, x + kx − padding], in Double.
    static func weightGradient(_ x: Tensor, upstream: Tensor, padding: Int) -> [Float] {
        let (batch, inC, size) = (x.shape[0], x.shape[1], x.shape[2])
        let (outC, outSize) = (upstream.shape[1], upstream.shape[2])
        let (input, gradient) = (x.scalars, upstream.scalars)
        var result = [Float]()
        for o in 0..<outC {
            for i in 0..<inC {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        var sum = 0.0
                        for n in 0..<batch {
                            for y in 0..<outSize {
                                for x0 in 0..<outSize {
                                    let (iy, ix) = (y + ky - padding, x0 + kx - padding)
                                    guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                                    sum += Double(gradient[((n * outC + o) * outSize + y) * outSize + x0])
                                        * Double(input[((n * inC + i) * size + iy) * size + ix])
                                }
                            }
                        }
                        result.append(Float(sum))
                    }
                }
            }
        }
        return result
    }

    /// Odd sizes (edge tiles), channel counts 16 does not divide (padding channels, partial
    /// output blocks: 80 = 64 + 16), padding 0, 1 and 2 (backward-data pads by 2 − padding), a
    /// 1x1 input, batch 3 (tiles spanning images and groups), with a bias (the weight gradient
    /// then on oneDNN) and without (on the own kernel; odd tile counts leave half a pair; 40
    /// output channels end in a half-filled block of 16; 28x28 spans two groups, so two threads'
    /// sums are added).
    @Test(arguments: [(16, 24, 9, 1, true), (20, 16, 6, 0, false), (16, 80, 5, 2, false), (40, 33, 7, 1, true),
                      (16, 16, 1, 1, false), (48, 64, 14, 1, false), (32, 16, 28, 1, false), (24, 40, 6, 1, false)])
    func equalsTheDirectConvolutionOnExactValues(inC: Int, outC: Int, size: Int, padding: Int, hasBias: Bool) throws {
        var generator = RandomGenerator(seed: UInt64(inC * 1000 + outC * 10 + size))
        let x = Self.integers([3, inC, size, size], in: 0...3, generator: &generator)
        let weight = Self.integers([outC, inC, 3, 3], in: -2...2, generator: &generator)
        let bias = hasBias ? Self.integers([outC], in: -2...2, generator: &generator) : nil
        let outSize = size + 2 * padding - 2
        let upstream = Self.integers([3, outC, outSize, outSize], in: -2...2, generator: &generator)
        let geometry = ConvolutionGeometry(batch: 3, inputChannels: inC, height: size, width: size, outputChannels: outC,
                                           kernelHeight: 3, kernelWidth: 3, stride: (1, 1), padding: (padding, padding),
                                           dilation: (1, 1), groups: 1, hasBias: hasBias)
        func kernel(_ ownKernels: OwnKernelUse, _ precision: Precision) -> ConvolutionKernel {
            ConvolutionPlan.choose(geometry, KernelConfiguration(ownKernels: ownKernels, precision: precision)).kernel
        }
        #expect(kernel(.always, .bf16) == .ownBF16Winograd)
        #expect(kernel(.never, .bf16) != .ownBF16Winograd)
        #expect(kernel(.always, .fp32) != .ownBF16Winograd)

        let own = Self.pass(x, weight, bias, upstream: upstream, padding: padding, own: true, precision: .bf16)
        // oneDNN's direct bf16 convolution is exact on these values too (fp32's Winograd would
        // not be, and layers with outputs of 4x4 or less take their weight gradient there).
        var direct = Self.pass(x, weight, bias, upstream: upstream, padding: padding, own: false, precision: .bf16)
        direct[2] = Self.weightGradient(x, upstream: upstream, padding: padding)
        for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(own, direct)) {
            #expect(a == b, "\(name): largest difference \(zip(a, b).map { abs($0 - $1) }.max() ?? 0)")
        }
        #expect(own.count == direct.count)
    }

    /// On random data the own kernel's error against fp32 is of the order of oneDNN's direct bf16
    /// convolution's: F(2x2)'s transforms (entries 0, ±1, ±1/2) add little to the bf16 rounding
    /// of the operands (relative RMS error 0.33% against 0.24% in a simulation of 128 channels),
    /// so the test allows 2x the direct path's RMS error — F(4x4) would be near 10x.
    @Test(arguments: [(64, 64, 14, 1), (128, 32, 7, 1)])
    func errorIsThatOfADirectBF16Convolution(inC: Int, outC: Int, size: Int, padding: Int) throws {
        var generator = RandomGenerator(seed: UInt64(inC + size))
        let x = Tensor.normal([2, inC, size, size], generator: &generator).relu()
        let weight = Tensor.normal([outC, inC, 3, 3], standardDeviation: Float(1 / (9 * Double(inC)).squareRoot()), generator: &generator)
        let upstream = Tensor.normal([2, outC, size + 2 * padding - 2, size + 2 * padding - 2], generator: &generator)
        let exact = Self.pass(x, weight, nil, upstream: upstream, padding: padding, own: false, precision: .fp32)
        let own = Self.pass(x, weight, nil, upstream: upstream, padding: padding, own: true, precision: .bf16)
        let direct = Self.pass(x, weight, nil, upstream: upstream, padding: padding, own: false, precision: .bf16)
        func relativeRMS(_ a: [Float], _ b: [Float]) -> Double {
            let error = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            return (error / max(b.map { Double($0) * Double($0) }.reduce(0, +), 1e-30)).squareRoot()
        }
        for (index, name) in [(0, "output"), (1, "input gradient"), (2, "weight gradient")] {
            let ownError = relativeRMS(own[index], exact[index]), directError = relativeRMS(direct[index], exact[index])
            #expect(ownError <= 2 * directError, "\(name): relative RMS error \(ownError) against the direct bf16 path's \(directError)")
            #expect(ownError > 0, "\(name): the bf16 kernel ran")
        }
    }
}
