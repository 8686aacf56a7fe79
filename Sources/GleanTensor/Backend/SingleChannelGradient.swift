import CDNNL
import COwnKernels

/// Weight and bias gradients of a first layer on grayscale images (one input channel, 3x3,
/// stride 1, output channels a multiple of 8) on Glean's own AVX2 kernel: oneDNN 2.6's AVX2
/// backward-weights kernel splits such a layer along its single input channel and ran SeedNet's
/// first layer (1→64 at 28 px, batch 128) at 5 ms a step, about a tenth of the FMA peak.
/// `ConvolutionPlan.choose` says where it runs.
enum SingleChannelGradient {
    /// Weight gradient (plain `[O, 1, 3, 3]`) and bias gradient (`[O]`, when the layer has a bias)
    /// from the output gradient `gradient` (`[N, O, OH, OW]`) and the input as the forward pass
    /// read it (`[N, 1, H, W]`).
    static func backwardWeights(_ gradient: Tensor, source: OperandMemory,
                                _ geometry: ConvolutionGeometry) -> (weights: Tensor, bias: Tensor?) {
        let diffDst = OperandMemory.of(gradient, as: DNNL.taggedDesc(geometry.destinationDims, dnnl_nChw8c))
        let input = source.converted(to: DNNL.taggedDesc(geometry.sourceDims, dnnl_nchw), shape: Shape(geometry.sourceDims))
        let weights = TensorStorage(count: geometry.outputChannels * 9)
        let bias = geometry.hasBias ? TensorStorage(count: geometry.outputChannels) : nil
        parallelChunks(geometry.outputChannels / 8, minimumPerChunk: 1) { groups in
            glean_single_channel_weight_gradient(
                input.pointer.assumingMemoryBound(to: Float.self), Int32(geometry.batch), Int32(geometry.height),
                Int32(geometry.width), Int32(geometry.padding.0), Int32(geometry.padding.1),
                diffDst.pointer.assumingMemoryBound(to: Float.self), Int32(geometry.outputChannels),
                Int32(groups.lowerBound), Int32(groups.upperBound), weights.pointer, bias?.pointer)
        }
        return withExtendedLifetime((diffDst.owner, input.owner)) {
            (Tensor(shape: [geometry.outputChannels, 1, 3, 3], storage: weights),
             bias.map { Tensor(shape: [geometry.outputChannels], storage: $0) })
        }
    }
}
