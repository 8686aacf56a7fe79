import Foundation
import Testing
@testable import GleanTensor

/// Glean's Winograd F(4x4, 3x3) forward convolution (the AVX2 path) against a direct
/// convolution summed in Double. Winograd's transforms have entries up to 8 (outputs), 5
/// (inputs) and 1/24 (weights), so its fp32 rounding error is a few hundred ε relative to
/// Σ|x·w| of each output (ε = 6e-8): the tolerance is 1e-5 of that sum, far below any
/// indexing or transform mistake (which shows as errors of the order of the sum itself).
@Suite struct OwnWinogradTests {
    /// Direct cross-correlation in Double: outputs and, for each, Σ|x·w| over its terms.
    static func reference(_ x: [Float], _ w: [Float], _ bias: [Float]?, batch: Int, inC: Int, size: Int, outC: Int,
                          padding: Int, relu: Bool) -> (values: [Double], scale: [Double]) {
        let outSize = size + 2 * padding - 2
        var values = [Double](), scale = [Double]()
        for n in 0..<batch {
            for o in 0..<outC {
                for y in 0..<outSize {
                    for x0 in 0..<outSize {
                        var sum = Double(bias?[o] ?? 0), magnitude = 0.0
                        for i in 0..<inC {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = y + ky - padding, ix = x0 + kx - padding
                                    guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                                    let term = Double(x[((n * inC + i) * size + iy) * size + ix]) * Double(w[((o * inC + i) * 3 + ky) * 3 + kx])
                                    sum += term
                                    magnitude += abs(term)
                                }
                            }
                        }
                        values.append(relu ? max(sum, 0) : sum)
                        scale.append(magnitude + abs(Double(bias?[o] ?? 0)))
                    }
                }
            }
        }
        return (values, scale)
    }

    /// Edge tiles (sizes that 4 does not divide), channel counts that 8 does not divide, padding
    /// 0, 1 and 2, with and without bias, with fused ReLU.
    @Test(arguments: [(16, 24, 9, 1, true, false), (20, 12, 6, 0, false, false), (16, 16, 4, 2, true, true),
                      (32, 40, 14, 1, true, true), (24, 16, 28, 1, false, false)])
    func matchesDirectConvolution(inC: Int, outC: Int, size: Int, padding: Int, hasBias: Bool, relu: Bool) throws {
        guard ConvolutionCPU.this.hasAVX2FMA else { return }
        var generator = RandomGenerator(seed: UInt64(inC * 1000 + outC * 10 + size))
        let batch = 2
        let x = Tensor.normal([batch, inC, size, size], generator: &generator)
        let weight = Tensor.normal([outC, inC, 3, 3], standardDeviation: 0.2, generator: &generator)
        let bias = hasBias ? Tensor.normal([outC], generator: &generator) : nil
        var geometry = ConvolutionGeometry(batch: batch, inputChannels: inC, height: size, width: size, outputChannels: outC,
                                           kernelHeight: 3, kernelWidth: 3, stride: (1, 1), padding: (padding, padding),
                                           dilation: (1, 1), groups: 1, hasBias: hasBias)
        geometry.fusedReLU = relu
        geometry.plan = ConvolutionPlan(kernel: .ownWinograd, bf16: false, weightGradientKernel: .ownWinograd, weightGradientBF16: false)
        let output = OwnWinograd.forward(x, weight, bias, geometry).output
        #expect(output.shape == Shape(geometry.destinationDims) && output.isBlocked)
        let (expected, scale) = Self.reference(x.scalars, weight.scalars, bias?.scalars, batch: batch, inC: inC, size: size,
                                               outC: outC, padding: padding, relu: relu)
        let actual = output.scalars
        var worst = 0.0
        for index in expected.indices { worst = max(worst, abs(Double(actual[index]) - expected[index]) / max(scale[index], 1e-3)) }
        #expect(worst < 1e-5, "largest error \(worst) of Σ|x·w|")
    }

    /// Training through the Winograd forward and backward-data passes: output, input gradient
    /// and weight gradient equal those of oneDNN's path within 1e-4 of their largest value
    /// (Winograd's rounding, as above, on sums of up to 40·9 terms), for paddings 0, 1 and 2
    /// (the backward-data convolution pads by 2 − padding) and channel counts 8 does not divide.
    @Test(arguments: [(16, 16, 10, 1), (20, 16, 9, 0), (16, 20, 7, 2), (40, 24, 5, 1)])
    func gradientsMatchTheOneDNNPath(inC: Int, outC: Int, size: Int, padding: Int) throws {
        guard ConvolutionCPU.this.hasAVX2FMA else { return }
        var generator = RandomGenerator(seed: UInt64(inC + size))
        let x = Tensor.normal([2, inC, size, size], generator: &generator)
        let weight = Tensor.normal([outC, inC, 3, 3], standardDeviation: 0.2, generator: &generator)
        let bias = Tensor.normal([outC], generator: &generator)
        let outSize = size + 2 * padding - 2
        let upstream = Tensor.normal([2, outC, outSize, outSize], generator: &generator)
        func gradients(own: Bool) -> [[Float]] {
            let (input, kernel, shift) = (x.requiringGrad(), weight.requiringGrad(), bias.requiringGrad())
            let output = KernelConfiguration.with({ $0.ownKernels = own ? .always : .never }) { input.conv2d(weight: kernel, bias: shift, padding: (padding, padding)) }
            (output * upstream).sum().backward()
            return [output.scalars, input.grad!.scalars, kernel.grad!.scalars, shift.grad!.scalars]
        }
        let (own, reference) = (gradients(own: true), gradients(own: false))
        for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(own, reference)) {
            let scale = b.map(abs).max()!
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4 * scale, "\(name): largest difference \(worst) against largest value \(scale)")
        }
    }
}
