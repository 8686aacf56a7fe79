import CDNNL
import COwnKernels
import Foundation

/// Glean's own Winograd F(4x4, 3x3) convolution, for CPUs where oneDNN has none (oneDNN
/// 2.6 ships Winograd for AVX-512 only; on AVX2 it runs direct convolutions at up to 97% of the
/// FMA peak, so only fewer multiplications go faster). 3x3 stride-1 fp32 layers that
/// `ConvolutionPlan.choose` sends here: the input in nChw8c (oneDNN's AVX2 layout)
/// is cut into 6x6 tiles with stride 4 and transformed (Bᵀ d B), the weights once per version
/// (G g Gᵀ), 36 matrix products on oneDNN's sgemm multiply them (16 outputs cost 36 instead of
/// 144 multiply-adds per channel pair), and the output transform (Aᵀ m A, + bias, ReLU when
/// fused) writes nChw8c. Backward-data and backward-weights run as Winograd too.
enum OwnWinograd {
    /// nChw8c, the layout both sides of the kernel use.
    static func blockedDesc(_ dims: [Int]) -> dnnl_memory_desc_t { DNNL.taggedDesc(dims, dnnl_nChw8c) }

    /// Output, input and weights (as `ConvolutionKernels.forward` returns them).
    static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                        _ geometry: ConvolutionGeometry) -> (output: Tensor, source: OperandMemory, weights: OperandMemory) {
        let source = OperandMemory.of(x, as: blockedDesc(geometry.sourceDims))
        let plainWeights = weight.plainStorage
        let output = convolve(source, batch: geometry.batch, inputChannels: geometry.inputChannels, height: geometry.height,
                              width: geometry.width, weights: plainWeights.pointer, flipped: false, outputChannels: geometry.outputChannels,
                              padding: geometry.padding, bias: bias?.scalars, relu: geometry.fusedReLU)
        return withExtendedLifetime(plainWeights) {
            (output, source, OperandMemory(storage: plainWeights, desc: geometry.plainWeightDesc))
        }
    }

    /// The input gradient from the output gradient `gradient` and plain weights `weights`: a
    /// stride-1 3x3 convolution of the gradient with the weights rotated by 180 degrees and
    /// their channel axes swapped, padded by 2 − padding, so that its output has the input's size.
    /// `diffDst` is the output gradient in nChw8c, `weights` the plain ones `forward` returned.
    static func backwardData(_ diffDst: OperandMemory, weights: OperandMemory, _ geometry: ConvolutionGeometry) -> Tensor {
        require(DNNL.descEqual(weights.desc, geometry.plainWeightDesc), "OwnWinograd.backwardData: weights must be plain OIHW")
        return withExtendedLifetime((diffDst.owner, weights.owner)) {
            convolve(diffDst, batch: geometry.batch, inputChannels: geometry.outputChannels, height: geometry.outputHeight,
                     width: geometry.outputWidth, weights: weights.pointer.assumingMemoryBound(to: Float.self), flipped: true, outputChannels: geometry.inputChannels,
                     padding: (2 - geometry.padding.0, 2 - geometry.padding.1), bias: nil, relu: false)
        }
    }

    /// Weight gradient (plain `[O, I, 3, 3]`) and bias gradient from the output gradient
    /// (nChw8c) and the input as `forward` kept it: dW = Gᵀ [Σ_tiles (Bᵀ d B) ⊙ (A dy Aᵀ)] G, the sum over tiles
    /// being 36 matrix products; the bias gradient is the sum of every output-gradient tile,
    /// which (A dy Aᵀ) holds at point (1, 1).
    static func backwardWeights(_ diffDst: OperandMemory, source: OperandMemory,
                                _ geometry: ConvolutionGeometry) -> (weights: Tensor, bias: Tensor?) {
        let input = source.converted(to: blockedDesc(geometry.sourceDims), shape: Shape(geometry.sourceDims))
        let inPadded = (geometry.inputChannels + 7) / 8 * 8, outPadded = (geometry.outputChannels + 7) / 8 * 8
        let tilesY = (geometry.outputHeight + 3) / 4, tilesX = (geometry.outputWidth + 3) / 4
        let tileCount = geometry.batch * tilesY * tilesX
        let tiles = TensorStorage(count: 36 * tileCount * inPadded)
        let inputPointer = input.pointer.assumingMemoryBound(to: Float.self)
        parallelChunks(tileCount, minimumPerChunk: 16) { range in
            glean_winograd_input_transform(inputPointer, Int32(inPadded / 8), Int32(geometry.height), Int32(geometry.width),
                                           Int32(geometry.padding.0), Int32(geometry.padding.1), Int32(tilesY), Int32(tilesX),
                                           range.lowerBound, range.upperBound, tileCount, tiles.pointer)
        }
        let gradientTiles = TensorStorage(count: 36 * tileCount * outPadded)
        let dyPointer = diffDst.pointer.assumingMemoryBound(to: Float.self)
        parallelChunks(tileCount, minimumPerChunk: 16) { range in
            glean_winograd_gradient_transform(dyPointer, Int32(outPadded / 8), Int32(geometry.outputHeight), Int32(geometry.outputWidth),
                                              Int32(tilesY), Int32(tilesX), range.lowerBound, range.upperBound, tileCount,
                                              gradientTiles.pointer)
        }
        let sums = TensorStorage(count: 36 * inPadded * outPadded)
        for point in 0..<36 {
            DNNL.check(dnnl_sgemm(84, 78, dnnl_dim_t(inPadded), dnnl_dim_t(outPadded), dnnl_dim_t(tileCount), 1,
                                  tiles.pointer + point * tileCount * inPadded, dnnl_dim_t(inPadded),
                                  gradientTiles.pointer + point * tileCount * outPadded, dnnl_dim_t(outPadded),
                                  0, sums.pointer + point * inPadded * outPadded, dnnl_dim_t(outPadded)),
                       "Winograd weight-gradient product \(point) of \(geometry.keyValues)")
        }
        let weights = TensorStorage(count: geometry.outputChannels * geometry.inputChannels * 9)
        parallelChunks(geometry.inputChannels, minimumPerChunk: 8) { range in
            glean_winograd_weight_gradient(sums.pointer, Int32(geometry.outputChannels), Int32(geometry.inputChannels),
                                           Int32(inPadded), Int32(outPadded), Int32(range.lowerBound), Int32(range.upperBound),
                                           weights.pointer)
        }
        var bias: Tensor?
        if geometry.hasBias {
            let total = TensorStorage(count: geometry.outputChannels)
            let sumPoint = gradientTiles.pointer + 7 * tileCount * outPadded
            for channel in 0..<geometry.outputChannels {
                var sum: Double = 0
                for tile in 0..<tileCount { sum += Double(sumPoint[tile * outPadded + channel]) }
                total.pointer[channel] = Float(sum)
            }
            bias = Tensor(shape: [geometry.outputChannels], storage: total)
        }
        return withExtendedLifetime((diffDst.owner, input.owner, tiles, gradientTiles, sums)) {
            (Tensor(shape: Shape([geometry.outputChannels, geometry.inputChannels, 3, 3]), storage: weights), bias)
        }
    }

    /// A 3x3 stride-1 convolution of nChw8c `source` (`[batch, inputChannels, height, width]`)
    /// with plain weights (`[outputChannels, inputChannels, 3, 3]`, or with `flipped` the
    /// `[inputChannels, outputChannels, 3, 3]` weights of the forward layer this is the
    /// backward-data pass of), zero padding `padding`, optional bias (`[outputChannels]`) and
    /// ReLU; the output is `[batch, outputChannels, height + 2·padding − 2, …]` in nChw8c.
    private static func convolve(_ source: OperandMemory, batch: Int, inputChannels: Int, height: Int, width: Int,
                                 weights: UnsafePointer<Float>, flipped: Bool, outputChannels: Int, padding: (Int, Int),
                                 bias: [Float]?, relu: Bool) -> Tensor {
        let outputHeight = height + 2 * padding.0 - 2, outputWidth = width + 2 * padding.1 - 2
        let inPadded = (inputChannels + 7) / 8 * 8, outPadded = (outputChannels + 7) / 8 * 8
        let tilesY = (outputHeight + 3) / 4, tilesX = (outputWidth + 3) / 4
        let tileCount = batch * tilesY * tilesX
        let transformed = TensorStorage(count: 36 * inPadded * outPadded)
        parallelChunks(inPadded, minimumPerChunk: 8) { range in
            glean_winograd_filter_transform(weights, Int32(outputChannels), Int32(inputChannels), flipped ? 1 : 0,
                                            Int32(inPadded), Int32(outPadded), Int32(range.lowerBound), Int32(range.upperBound),
                                            transformed.pointer)
        }
        let tiles = TensorStorage(count: 36 * tileCount * inPadded)
        let sourcePointer = source.pointer.assumingMemoryBound(to: Float.self)
        parallelChunks(tileCount, minimumPerChunk: 16) { range in
            glean_winograd_input_transform(sourcePointer, Int32(inPadded / 8), Int32(height), Int32(width),
                                           Int32(padding.0), Int32(padding.1), Int32(tilesY), Int32(tilesX),
                                           range.lowerBound, range.upperBound, tileCount, tiles.pointer)
        }
        let products = TensorStorage(count: 36 * tileCount * outPadded)
        for point in 0..<36 {
            DNNL.check(dnnl_sgemm(78, 78, dnnl_dim_t(tileCount), dnnl_dim_t(outPadded), dnnl_dim_t(inPadded), 1,
                                  tiles.pointer + point * tileCount * inPadded, dnnl_dim_t(inPadded),
                                  transformed.pointer + point * inPadded * outPadded, dnnl_dim_t(outPadded),
                                  0, products.pointer + point * tileCount * outPadded, dnnl_dim_t(outPadded)),
                       "Winograd product \(point) of a 3x3 convolution \(inputChannels) -> \(outputChannels) on \(height)x\(width)")
        }
        let paddedBias = bias.map { $0 + [Float](repeating: 0, count: outPadded - outputChannels) }
        let outputDims = [batch, outputChannels, outputHeight, outputWidth]
        let output = TensorStorage(layout: BlockedLayout(blockedDesc(outputDims)))
        paddedBias.withUnsafeBufferPointerIfPresent { biasPointer in
            parallelChunks(tileCount, minimumPerChunk: 16) { range in
                glean_winograd_output_transform(products.pointer, biasPointer, relu ? 1 : 0, Int32(outPadded / 8),
                                                Int32(outputHeight), Int32(outputWidth), Int32(tilesY), Int32(tilesX),
                                                range.lowerBound, range.upperBound, tileCount, output.pointer)
            }
        }
        return withExtendedLifetime((transformed, tiles, products, source.owner)) {
            Tensor(shape: Shape(outputDims), storage: output)
        }
    }
}
