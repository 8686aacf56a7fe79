import Foundation
import Testing
@testable import GleanTensor

/// bf16 mixed precision. A bf16 convolution rounds its source, weights and output gradient to
/// bf16 (round to nearest even, as oneDNN converts) and accumulates in fp32; the product of two
/// bf16 values is exact in fp32. So it must equal the fp32 convolution of the *rounded* operands
/// up to fp32 summation order — a tolerance of 1e-4 relative (K ≤ 200 terms, fp32 ε 6e-8) that
/// tests the bf16 path itself — while against the unrounded fp32 result the error is bf16's
/// (~2^-9 relative per operand).
@Suite struct MixedPrecisionTests {
    /// `value` rounded to bfloat16 (8 significant bits), round to nearest even.
    static func bf16(_ value: Float) -> Float {
        let bits = value.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
        return Float(bitPattern: rounded)
    }

    static func rounded(_ tensor: Tensor) -> Tensor {
        Tensor(tensor.scalars.map(bf16), shape: tensor.shape)
    }

    /// Output, input gradient, weight gradient and bias gradient of a convolution whose output
    /// gradient is `upstream`.
    static func convolution(_ x: Tensor, _ weight: Tensor, _ bias: Tensor, upstream: Tensor, stride: (Int, Int),
                            padding: (Int, Int)) -> [Tensor] {
        let (x, weight, bias) = (x.requiringGrad(), weight.requiringGrad(), bias.requiringGrad())
        let output = x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
        (output * upstream).sum().backward()
        return [output, x.grad!, weight.grad!, bias.grad!]
    }

    @Test(arguments: [(16, 24, 10, 1), (32, 16, 7, 2), (3, 64, 12, 1), (16, 16, 4, 1)])
    func bf16ConvolutionIsFP32OnRoundedOperands(inputChannels: Int, outputChannels: Int, size: Int, stride: Int) throws {
        guard MixedPrecision.cpuHasNativeBF16 else {
            #expect(MixedPrecision.resolve(.bf16).precision == .fp32 && MixedPrecision.resolve(.bf16).note?.contains("no native bf16") == true)
            #expect(MixedPrecision.resolve(.auto).precision == .fp32 && MixedPrecision.resolve(.auto).note == nil)
            return
        }
        var generator = RandomGenerator(seed: UInt64(inputChannels * 100 + size))
        let x = Tensor.normal([4, inputChannels, size, size], generator: &generator)
        let weight = Tensor.normal([outputChannels, inputChannels, 3, 3], standardDeviation: 0.2, generator: &generator)
        let bias = Tensor.normal([outputChannels], generator: &generator)
        let outputSize = (size + 2 - 3) / stride + 1
        let upstream = Tensor.normal([4, outputChannels, outputSize, outputSize], generator: &generator)

        // oneDNN's bf16 path (Glean's own bf16 Winograd, which rounds transformed operands, has
        // its own tests in BF16WinogradTests).
        let mixed = KernelConfiguration.with({ $0.ownKernels = .never }) {
            MixedPrecision.with(.bf16) {
                Self.convolution(x, weight, bias, upstream: upstream, stride: (stride, stride), padding: (1, 1))
            }
        }
        let reference = MixedPrecision.with(.fp32) {
            Self.convolution(Self.rounded(x), Self.rounded(weight), bias, upstream: Self.rounded(upstream),
                             stride: (stride, stride), padding: (1, 1))
        }
        // 3x3 stride-1 layers with outputs of 4x4 or less take their weight and bias gradients
        // in fp32 (from the rounded source but the output gradient as it is); stride 2 stays bf16.
        let weightsInFP32 = outputSize * outputSize <= 16 && stride == 1
        let weightReference = MixedPrecision.with(.fp32) {
            Self.convolution(Self.rounded(x), Self.rounded(weight), bias, upstream: weightsInFP32 ? upstream : Self.rounded(upstream),
                             stride: (stride, stride), padding: (1, 1))
        }
        let exact = MixedPrecision.with(.fp32) {
            Self.convolution(x, weight, bias, upstream: upstream, stride: (stride, stride), padding: (1, 1))
        }
        for (index, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
            let scale = max(1, exact[index].scalars.map(abs).max() ?? 1)
            let expected = index < 2 ? reference[index] : weightReference[index]
            let toReference = zip(mixed[index].scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            let toExact = zip(mixed[index].scalars, exact[index].scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(toReference <= 1e-4 * scale, "\(name): \(toReference) from fp32 on bf16-rounded operands (scale \(scale))")
            // Rounding three operands to 8 bits: a few parts in a thousand of the scale, not more.
            #expect(toExact <= 2e-2 * scale, "\(name): \(toExact) from fp32 (scale \(scale))")
        }
        // The bf16 path ran: its output differs from plain fp32.
        #expect(mixed[0].scalars != exact[0].scalars)
    }

    /// Matrix products (linear layers, their gradients, batched matmuls) in bf16 equal fp32 on
    /// bf16-rounded operands, for every transpose and batch combination `Gemm` serves.
    @Test func bf16MatrixProductsAreFP32OnRoundedOperands() throws {
        guard MixedPrecision.cpuHasNativeBF16 else { return }
        var generator = RandomGenerator(seed: 11)
        for (batchA, batchB) in [(1, 1), (3, 3), (1, 3), (3, 1)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let (m, k, n) = (5, 70, 9)
                    let aMatrix: [Int] = transposeA ? [k, m] : [m, k], bMatrix: [Int] = transposeB ? [n, k] : [k, n]
                    let a = Tensor.normal(Shape((batchA > 1 ? [batchA] : []) + aMatrix), generator: &generator)
                    let b = Tensor.normal(Shape((batchB > 1 ? [batchB] : []) + bMatrix), generator: &generator)
                    let mixed = MixedPrecision.with(.bf16) { Gemm.product(a, transposeA: transposeA, b, transposeB: transposeB) }
                    let reference = MixedPrecision.with(.fp32) {
                        Gemm.product(Self.rounded(a), transposeA: transposeA, Self.rounded(b), transposeB: transposeB)
                    }
                    #expect(mixed.shape == reference.shape)
                    let error = zip(mixed.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
                    #expect(error <= 1e-4 * Float(k).squareRoot(), "batches \(batchA)/\(batchB), transposes \(transposeA)/\(transposeB): \(error)")
                    let exact = Gemm.product(a, transposeA: transposeA, b, transposeB: transposeB)
                    #expect(mixed.scalars != exact.scalars, "the bf16 path ran")
                }
            }
        }
    }

    @Test func autoAndFallbackFollowTheCPU() {
        let native = MixedPrecision.cpuHasNativeBF16
        let faster = native && (MixedPrecision.cpuHasAMX || MixedPrecision.measuredBF16Speedup >= MixedPrecision.worthwhileBF16Speedup)
        #expect(MixedPrecision.resolve(.auto).precision == (faster ? .bf16 : .fp32))
        #expect(MixedPrecision.resolve(.fp32) == (.fp32, nil))
        #expect(MixedPrecision.with(.bf16) { MixedPrecision.active } == (native ? .bf16 : .fp32))
        #expect(MixedPrecision.active == .fp32)
    }

    /// `auto` takes bf16 only where it is faster (AMX, or vector bf16 dot products at least 1.4x
    /// the fp32 rate, as on Zen 4 and 5); an explicit `bf16` runs as asked but says when it is
    /// likely slower (an Intel Xeon without AMX measured 0.47x).
    @Test func autoTakesBF16OnlyWhereItIsFaster() {
        let zen = MixedPrecision.choose(.auto, amx: false, bf16Speedup: 2.0, isa: "avx512_core_bf16")
        #expect(zen.precision == .bf16 && zen.note == nil)
        let xeon = MixedPrecision.choose(.auto, amx: false, bf16Speedup: 1.02, isa: "avx512_core_bf16")
        #expect(xeon.precision == .fp32 && xeon.note?.contains("1.02x") == true, "\(xeon)")
        let asked = MixedPrecision.choose(.bf16, amx: false, bf16Speedup: 1.02, isa: "avx512_core_bf16")
        #expect(asked.precision == .bf16 && asked.note?.contains("slower than fp32") == true, "\(asked)")
        #expect(MixedPrecision.choose(.auto, amx: true, bf16Speedup: 1.0, isa: "avx512_core_amx") == (.bf16, nil))
        #expect(MixedPrecision.choose(.bf16, amx: false, bf16Speedup: 2.0, isa: "avx512_core_bf16") == (.bf16, nil))
        #expect(MixedPrecision.choose(.fp32, amx: true, bf16Speedup: 2.0, isa: "avx512_core_amx") == (.fp32, nil))
    }

    /// The probes measure something on every CPU, and bf16 dot products only where they exist.
    @Test func throughputProbesMeasureThisCPU() {
        #expect(ThroughputProbe.gflops(.fp32FMA, seconds: 0.05) > 1)
        let bf16 = ThroughputProbe.gflops(.bf16Dot, seconds: 0.05)
        let speedup = ThroughputProbe.bf16Speedup()
        if MachineHasBF16Instructions.value {
            #expect(bf16 > 1 && speedup > 0.2 && speedup < 10, "bf16 \(bf16) GFLOP/s, speedup \(speedup)")
        } else {
            #expect(bf16 == 0 && speedup == 0)
        }
    }
}

/// Whether /proc/cpuinfo lists avx512_bf16 (what the bf16 probe needs, whatever oneDNN's ISA limit).
private enum MachineHasBF16Instructions {
    static let value = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx512_bf16")
}
