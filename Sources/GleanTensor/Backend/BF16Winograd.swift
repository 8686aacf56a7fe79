import CDNNL
import COwnKernels

/// Glean's own Winograd F(2x2, 3x3) in bf16 mixed precision, for 3x3 stride-1 layers on CPUs with
/// avx512_bf16, where oneDNN 2.6 has only direct bf16 convolutions (already at the bf16
/// dot-product peak, so only fewer multiplications go faster) and Winograd in fp32 only. The
/// input (fp32, nChw16c) is cut into 4x4 tiles with stride 2 and transformed in fp32 (Bᵀ d B),
/// the weights once per call (G g Gᵀ); the 16 products per tile run as bf16 dot products with
/// fp32 sums (4 outputs cost 16 instead of 36 multiply-adds per channel pair), and the output
/// transform (Aᵀ m A, + bias) writes fp32 nChw16c — a group of tiles at a time, in cache.
/// Backward-data runs the same kernel on the rotated, transposed weights; backward-weights sums
/// the products of transformed inputs and output gradients over pairs of tiles (layers with a
/// bias leave it to oneDNN). `ConvolutionPlan.choose` says where it runs.
enum BF16Winograd {
    /// nChw16c, the layout both sides of the kernel use.
    static func blockedDesc(_ dims: [Int]) -> dnnl_memory_desc_t { DNNL.taggedDesc(dims, dnnl_nChw16c) }

    /// Output, input and weights (as `ConvolutionKernels.forward` returns them): the input as the
    /// fp32 nChw16c memory the kernel read, the weights plain.
    static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                        _ geometry: ConvolutionGeometry) -> (output: Tensor, source: OperandMemory, weights: OperandMemory) {
        let source = OperandMemory.of(x, as: blockedDesc(geometry.sourceDims))
        let plainWeights = weight.plainStorage
        let output = convolve(source, batch: geometry.batch, inputChannels: geometry.inputChannels, height: geometry.height,
                              width: geometry.width, weights: plainWeights.pointer, flipped: false,
                              outputChannels: geometry.outputChannels, padding: geometry.padding, bias: bias?.scalars,
                              relu: geometry.fusedReLU)
        return withExtendedLifetime(plainWeights) {
            (output, source, OperandMemory(storage: plainWeights, desc: geometry.plainWeightDesc))
        }
    }

    /// The input gradient from the output gradient (fp32 nChw16c) and the plain weights `forward`
    /// returned: a 3x3 stride-1 convolution of the gradient with the weights rotated by 180
    /// degrees and their channel axes swapped, padded by 2 − padding.
    static func backwardData(_ diffDst: OperandMemory, weights: OperandMemory, _ geometry: ConvolutionGeometry) -> Tensor {
        require(DNNL.descEqual(weights.desc, geometry.plainWeightDesc), "BF16Winograd.backwardData: weights must be plain OIHW")
        require(DNNL.descEqual(diffDst.desc, blockedDesc(geometry.destinationDims)),
                "BF16Winograd.backwardData: the output gradient must be fp32 nChw16c")
        return withExtendedLifetime((diffDst.owner, weights.owner)) {
            convolve(diffDst, batch: geometry.batch, inputChannels: geometry.outputChannels, height: geometry.outputHeight,
                     width: geometry.outputWidth, weights: weights.pointer.assumingMemoryBound(to: Float.self), flipped: true,
                     outputChannels: geometry.inputChannels, padding: (2 - geometry.padding.0, 2 - geometry.padding.1),
                     bias: nil, relu: false)
        }
    }

    /// The weight gradient (plain `[O, I, 3, 3]`) from the output gradient (fp32 nChw16c) and
    /// the input `forward` kept: dW = Gᵀ [Σ_tiles (Bᵀ d B) ⊙ (A dy Aᵀ)] G, each thread summing
    /// its share of the tiles, then the threads' sums added.
    static func backwardWeights(_ diffDst: OperandMemory, source: OperandMemory, _ geometry: ConvolutionGeometry) -> Tensor {
        require(DNNL.descEqual(source.desc, blockedDesc(geometry.sourceDims)) && DNNL.descEqual(diffDst.desc, blockedDesc(geometry.destinationDims)),
                "BF16Winograd.backwardWeights: the input and the output gradient must be fp32 nChw16c")
        let inPadded = (geometry.inputChannels + 15) / 16 * 16, outPadded = (geometry.outputChannels + 15) / 16 * 16
        let tileCount = geometry.batch * ((geometry.outputHeight + 1) / 2) * ((geometry.outputWidth + 1) / 2)
        let groupTiles = Int(glean_winograd_bf16_weight_group_tiles(Int32(inPadded), Int32(outPadded)))
        let groupCount = (tileCount + groupTiles - 1) / groupTiles
        let workers = max(1, min(Parallelism.workers, groupCount))
        let sumLength = 16 * inPadded * outPadded
        let sums = (0..<workers).map { _ in TensorStorage(count: sumLength, repeating: 0) }
        let sourcePointer = source.pointer.assumingMemoryBound(to: Float.self)
        let gradientPointer = diffDst.pointer.assumingMemoryBound(to: Float.self)
        Parallel.run(chunks: workers) { chunk in
            let inputs = RawBuffer(bytes: 16 * groupTiles * inPadded * 2)
            let gradients = RawBuffer(bytes: 16 * groupTiles * outPadded * 2)
            glean_winograd_bf16_weight_products(sourcePointer, Int32(geometry.batch), Int32(inPadded), Int32(geometry.height),
                                                Int32(geometry.width), Int32(geometry.padding.0), Int32(geometry.padding.1),
                                                gradientPointer, Int32(outPadded), Int32(geometry.outputHeight),
                                                Int32(geometry.outputWidth), Int32(groupTiles), groupCount * chunk / workers,
                                                groupCount * (chunk + 1) / workers,
                                                inputs.pointer.assumingMemoryBound(to: UInt16.self),
                                                gradients.pointer.assumingMemoryBound(to: UInt16.self), sums[chunk].pointer)
            withExtendedLifetime((inputs, gradients)) {}
        }
        let weights = TensorStorage(count: geometry.outputChannels * geometry.inputChannels * 9)
        let sumPointers: [UnsafePointer<Float>?] = sums.map { UnsafePointer($0.pointer) }
        sumPointers.withUnsafeBufferPointer { pointers in
            parallelChunks(outPadded / 16, minimumPerChunk: 1) { range in
                glean_winograd_bf16_weight_gradient(pointers.baseAddress, Int32(pointers.count), Int32(geometry.outputChannels),
                                                    Int32(geometry.inputChannels), Int32(inPadded), Int32(outPadded),
                                                    Int32(range.lowerBound), Int32(range.upperBound), weights.pointer)
            }
        }
        return withExtendedLifetime((diffDst.owner, source.owner, sums)) {
            Tensor(shape: Shape([geometry.outputChannels, geometry.inputChannels, 3, 3]), storage: weights)
        }
    }

    /// A 3x3 stride-1 convolution of fp32 nChw16c `source` (`[batch, inputChannels, height,
    /// width]`) with plain weights (`[outputChannels, inputChannels, 3, 3]`, or with `flipped`
    /// the `[inputChannels, outputChannels, 3, 3]` weights of the forward layer this is the
    /// backward-data pass of), zero padding `padding`, optional bias (`[outputChannels]`) and
    /// ReLU; the output is `[batch, outputChannels, height + 2·padding − 2, …]` in nChw16c.
    private static func convolve(_ source: OperandMemory, batch: Int, inputChannels: Int, height: Int, width: Int,
                                 weights: UnsafePointer<Float>, flipped: Bool, outputChannels: Int, padding: (Int, Int),
                                 bias: [Float]?, relu: Bool) -> Tensor {
        require(DNNL.descEqual(source.desc, blockedDesc([batch, inputChannels, height, width])),
                "BF16Winograd: the source must be fp32 nChw16c")
        let outputHeight = height + 2 * padding.0 - 2, outputWidth = width + 2 * padding.1 - 2
        let inPadded = (inputChannels + 15) / 16 * 16, outPadded = (outputChannels + 15) / 16 * 16
        let transformed = RawBuffer(bytes: 16 * inPadded * outPadded * 2)
        let filters = transformed.pointer.assumingMemoryBound(to: UInt16.self)
        parallelChunks(inPadded / 2, minimumPerChunk: 8) { range in
            glean_winograd_bf16_filter_transform(weights, Int32(outputChannels), Int32(inputChannels), flipped ? 1 : 0,
                                                 Int32(inPadded), Int32(outPadded), Int32(range.lowerBound),
                                                 Int32(range.upperBound), filters)
        }
        let tileCount = batch * ((outputHeight + 1) / 2) * ((outputWidth + 1) / 2)
        let groupTiles = Int(glean_winograd_bf16_group_tiles(Int32(inPadded)))
        let groupCount = (tileCount + groupTiles - 1) / groupTiles
        let outputDims = [batch, outputChannels, outputHeight, outputWidth]
        let output = TensorStorage(layout: BlockedLayout(blockedDesc(outputDims)))
        let paddedBias = bias.map { $0 + [Float](repeating: 0, count: outPadded - outputChannels) }
        let sourcePointer = source.pointer.assumingMemoryBound(to: Float.self)
        paddedBias.withUnsafeBufferPointerIfPresent { biasPointer in
            parallelChunks(groupCount, minimumPerChunk: 1) { range in
                let tiles = RawBuffer(bytes: 16 * groupTiles * inPadded * 2)
                let products = RawBuffer(bytes: 16 * groupTiles * Int(GLEAN_WINOGRAD_BF16_OUT_BLOCK) * 4)
                glean_winograd_bf16_convolve(sourcePointer, Int32(batch), Int32(inPadded), Int32(height), Int32(width),
                                             Int32(padding.0), Int32(padding.1), filters, Int32(outPadded), biasPointer,
                                             relu ? 1 : 0, Int32(outputHeight), Int32(outputWidth), Int32(groupTiles),
                                             range.lowerBound, range.upperBound,
                                             tiles.pointer.assumingMemoryBound(to: UInt16.self),
                                             products.pointer.assumingMemoryBound(to: Float.self), output.pointer)
                withExtendedLifetime((tiles, products)) {}
            }
        }
        return withExtendedLifetime((transformed, source.owner)) {
            Tensor(shape: Shape(outputDims), storage: output)
        }
    }
}
