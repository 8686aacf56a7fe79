import CDNNL
import CWinograd
import Foundation

/// Glean's own Winograd F(4x4, 3x3) forward convolution, for CPUs where oneDNN has none (oneDNN
/// 2.6 ships Winograd for AVX-512 only; on AVX2 it runs direct convolutions at up to 97% of the
/// FMA peak, so only fewer multiplications go faster). 3x3 stride-1 fp32 layers whose
/// geometry `ConvolutionGeometry.winograd` accepts: the input in nChw8c (oneDNN's AVX2 layout)
/// is cut into 6x6 tiles with stride 4 and transformed (Bᵀ d B), the weights once per version
/// (G g Gᵀ), 36 matrix products on oneDNN's sgemm multiply them (16 outputs cost 36 instead of
/// 144 multiply-adds per channel pair), and the output transform (Aᵀ m A, + bias, ReLU when
/// fused) writes nChw8c. The backward passes stay on oneDNN. `GLEAN_OWN_WINOGRAD=0` turns it off.
enum OwnWinograd {
    /// Whether this CPU has AVX2 and FMA, which the kernel's code needs.
    static let cpuSupported = glean_winograd_cpu_supported() != 0

    /// Whether the kernel runs by default: AVX2 + FMA present, oneDNN below AVX-512 (where its
    /// own Winograd runs), and not switched off by `GLEAN_OWN_WINOGRAD=0`.
    static let isEnabled: Bool = {
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        let belowAVX512 = dnnl_get_effective_cpu_isa().rawValue & avx512 != avx512
        return belowAVX512 && cpuSupported && ProcessInfo.processInfo.environment["GLEAN_OWN_WINOGRAD"] != "0"
    }()

    /// Overrides `isEnabled` for the current task (to compare both paths on one machine).
    @TaskLocal static var forced: Bool?

    /// Whether `geometry` runs here rather than on oneDNN.
    static func applies(to geometry: ConvolutionGeometry) -> Bool {
        (forced.map { $0 && cpuSupported } ?? isEnabled) && geometry.winograd && !geometry.bf16
            && geometry.padding.0 <= 2 && geometry.padding.1 <= 2
    }

    /// nChw8c, the layout both sides of the kernel use.
    static func blockedDesc(_ dims: [Int]) -> dnnl_memory_desc_t { DNNL.taggedDesc(dims, dnnl_nChw8c) }

    /// Output, input and weights (as `ConvolutionKernels.forward` returns them).
    static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                        _ geometry: ConvolutionGeometry) -> (output: Tensor, source: OperandMemory, weights: OperandMemory) {
        let source = OperandMemory.of(x, as: blockedDesc(geometry.sourceDims))
        let plainWeights = weight.plainStorage
        let inPadded = (geometry.inputChannels + 7) / 8 * 8, outPadded = (geometry.outputChannels + 7) / 8 * 8
        let tilesY = (geometry.outputHeight + 3) / 4, tilesX = (geometry.outputWidth + 3) / 4
        let tileCount = geometry.batch * tilesY * tilesX
        let transformed = TensorStorage(count: 36 * inPadded * outPadded)
        parallelChunks(inPadded, minimumPerChunk: 8) { range in
            glean_winograd_filter_transform(plainWeights.pointer, Int32(geometry.outputChannels), Int32(geometry.inputChannels),
                                            Int32(inPadded), Int32(outPadded), Int32(range.lowerBound), Int32(range.upperBound),
                                            transformed.pointer)
        }
        let tiles = TensorStorage(count: 36 * tileCount * inPadded)
        let sourcePointer = source.pointer.assumingMemoryBound(to: Float.self)
        parallelChunks(tileCount, minimumPerChunk: 16) { range in
            glean_winograd_input_transform(sourcePointer, Int32(inPadded / 8), Int32(geometry.height), Int32(geometry.width),
                                           Int32(geometry.padding.0), Int32(geometry.padding.1), Int32(tilesY), Int32(tilesX),
                                           range.lowerBound, range.upperBound, tileCount, tiles.pointer)
        }
        let products = TensorStorage(count: 36 * tileCount * outPadded)
        for point in 0..<36 {
            DNNL.check(dnnl_sgemm(78, 78, dnnl_dim_t(tileCount), dnnl_dim_t(outPadded), dnnl_dim_t(inPadded), 1,
                                  tiles.pointer + point * tileCount * inPadded, dnnl_dim_t(inPadded),
                                  transformed.pointer + point * inPadded * outPadded, dnnl_dim_t(outPadded),
                                  0, products.pointer + point * tileCount * outPadded, dnnl_dim_t(outPadded)),
                       "Winograd product \(point) of \(geometry.keyValues)")
        }
        var paddedBias: [Float]?
        if let bias {
            paddedBias = bias.scalars + [Float](repeating: 0, count: outPadded - geometry.outputChannels)
        }
        let outputShape = Shape(geometry.destinationDims)
        let output = TensorStorage(layout: BlockedLayout(blockedDesc(geometry.destinationDims)))
        paddedBias.withUnsafeBufferPointerIfPresent { biasPointer in
            parallelChunks(tileCount, minimumPerChunk: 16) { range in
                glean_winograd_output_transform(products.pointer, biasPointer, geometry.fusedReLU ? 1 : 0, Int32(outPadded / 8),
                                                Int32(geometry.outputHeight), Int32(geometry.outputWidth), Int32(tilesY), Int32(tilesX),
                                                range.lowerBound, range.upperBound, tileCount, output.pointer)
            }
        }
        return withExtendedLifetime((plainWeights, transformed, tiles, products, source.owner)) {
            (Tensor(shape: outputShape, storage: output), source, OperandMemory(storage: plainWeights, desc: geometry.plainWeightDesc))
        }
    }
}

private extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's values, or nil when there is no array.
    func withUnsafeBufferPointerIfPresent<T>(_ body: (UnsafePointer<Float>?) -> T) -> T {
        switch self {
        case .some(let values): return values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
