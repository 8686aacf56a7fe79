import CDNNL

/// The static description of a 2-D convolution: everything that selects a primitive.
struct ConvolutionGeometry {
    let batch: Int, inputChannels: Int, height: Int, width: Int
    let outputChannels: Int, kernelHeight: Int, kernelWidth: Int
    let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    let groups: Int
    let hasBias: Bool
    let winograd: Bool
    /// ReLU applied to the output inside the primitive (forward only, for inference).
    var fusedReLU = false

    var outputHeight: Int { (height + 2 * padding.0 - dilation.0 * (kernelHeight - 1) - 1) / stride.0 + 1 }
    var outputWidth: Int { (width + 2 * padding.1 - dilation.1 * (kernelWidth - 1) - 1) / stride.1 + 1 }
    var sourceDims: [Int] { [batch, inputChannels, height, width] }
    var destinationDims: [Int] { [batch, outputChannels, outputHeight, outputWidth] }
    /// oneDNN's weight dims: `[O, I/g, KH, KW]`, or `[g, O/g, I/g, KH, KW]` when grouped.
    var weightDims: [Int] {
        groups == 1
            ? [outputChannels, inputChannels, kernelHeight, kernelWidth]
            : [groups, outputChannels / groups, inputChannels / groups, kernelHeight, kernelWidth]
    }
    var plainWeightTag: dnnl_format_tag_t { groups == 1 ? dnnl_oihw : dnnl_goihw }
    /// Multiply-adds × 2 of one forward pass.
    var flops: Double {
        2 * Double(batch * outputChannels * outputHeight * outputWidth) * Double(inputChannels / groups * kernelHeight * kernelWidth)
    }

    var keyValues: [Int] {
        [batch, inputChannels, height, width, outputChannels, kernelHeight, kernelWidth,
         stride.0, stride.1, padding.0, padding.1, dilation.0, dilation.1, groups, hasBias ? 1 : 0, winograd ? 1 : 0,
         fusedReLU ? 1 : 0]
    }


    private var algorithm: dnnl_alg_kind_t { winograd ? dnnl_convolution_auto : dnnl_convolution_direct }
    private var strides: [dnnl_dim_t] { DNNL.dims([stride.0, stride.1]) }
    private var dilates: [dnnl_dim_t] { DNNL.dims([dilation.0 - 1, dilation.1 - 1]) }
    private var paddingLeft: [dnnl_dim_t] { DNNL.dims([padding.0, padding.1]) }
    private var paddingRight: [dnnl_dim_t] {
        DNNL.dims([(outputHeight - 1) * stride.0 + dilation.0 * (kernelHeight - 1) + 1 - height - padding.0,
                   (outputWidth - 1) * stride.1 + dilation.1 * (kernelWidth - 1) + 1 - width - padding.1])
    }

    /// The forward primitive. It is always forward_training: backward passes need it as their
    /// hint, and oneDNN offers Winograd only there.
    func forward() -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: "conv_fwd", values: keyValues)) {
            var src = DNNL.anyDesc(sourceDims), weights = DNNL.anyDesc(weightDims)
            var dst = DNNL.anyDesc(destinationDims), bias = DNNL.plainDesc([outputChannels])
            var desc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &bias) { biasPointer in
                dnnl_dilated_convolution_forward_desc_init(
                    &desc, dnnl_forward_training, algorithm,
                    &src, &weights, hasBias ? biasPointer : nil, &dst, strides, dilates, paddingLeft, paddingRight)
            }
            DNNL.check(status, "convolution forward descriptor \(keyValues)")
            return PrimitiveCache.describe(&desc, attributes: fusedReLU ? PrimitiveCache.reluPostOpAttributes : nil,
                                           "convolution forward")
        }
    }

    func backwardData() -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: "conv_bwd_data", values: keyValues)) {
            var diffSrc = DNNL.anyDesc(sourceDims), weights = DNNL.anyDesc(weightDims)
            var diffDst = DNNL.anyDesc(destinationDims)
            var desc = dnnl_convolution_desc_t()
            DNNL.check(dnnl_dilated_convolution_backward_data_desc_init(
                &desc, algorithm, &diffSrc, &weights, &diffDst, strides, dilates, paddingLeft, paddingRight),
                       "convolution backward-data descriptor \(keyValues)")
            return PrimitiveCache.describe(&desc, hint: forward().descriptor, "convolution backward data")
        }
    }

    func backwardWeights() -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: "conv_bwd_weights", values: keyValues)) {
            var src = DNNL.anyDesc(sourceDims), diffWeights = DNNL.anyDesc(weightDims)
            var diffDst = DNNL.anyDesc(destinationDims), diffBias = DNNL.plainDesc([outputChannels])
            var desc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &diffBias) { biasPointer in
                dnnl_dilated_convolution_backward_weights_desc_init(
                    &desc, algorithm, &src, &diffWeights, hasBias ? biasPointer : nil, &diffDst,
                    strides, dilates, paddingLeft, paddingRight)
            }
            DNNL.check(status, "convolution backward-weights descriptor \(keyValues)")
            return PrimitiveCache.describe(&desc, hint: forward().descriptor, "convolution backward weights")
        }
    }

    /// Plain weights (`[O, I/g, KH, KW]` as PyTorch stores them) described for oneDNN.
    var plainWeightDesc: dnnl_memory_desc_t { DNNL.taggedDesc(weightDims, plainWeightTag) }
}

/// Convolution kernels: forward, backward-data and backward-weights on oneDNN.
enum ConvolutionKernels {
    /// Weights in the layout `target`, reordered from plain PyTorch order when needed (and kept
    /// with the plain storage until the weights change).
    static func weights(_ weight: Tensor, _ geometry: ConvolutionGeometry, as target: dnnl_memory_desc_t) -> TensorStorage {
        let plain = weight.plainStorage
        let source = geometry.plainWeightDesc
        if DNNL.descEqual(source, target) { return plain }
        let layout = BlockedLayout(target)
        if let cached = plain.derivedCopy, cached.version == plain.version, cached.layoutID == layout.id {
            return cached.storage
        }
        let output = TensorStorage(layout: layout)
        Reorder.run(from: source, fromLayoutID: 0, fromPointer: plain.pointer, to: target, toLayoutID: layout.id,
                    toPointer: output.pointer, shape: Shape(geometry.weightDims))
        plain.derivedCopy = (plain.version, layout.id, output)
        return output
    }

    /// Runs the forward pass; returns the output and the input and weights in the layouts the
    /// backward passes will want.
    static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                        _ geometry: ConvolutionGeometry) -> (output: Tensor, source: Tensor, weights: TensorStorage) {
        let primitive = geometry.forward()
        let srcDesc = primitive.desc(dnnl_query_src_md), weightsDesc = primitive.desc(dnnl_query_weights_md)
        let dstDesc = primitive.desc(dnnl_query_dst_md)
        let source = Reorder.storage(x, as: srcDesc)
        let weightStorage = weights(weight, geometry, as: weightsDesc)
        let outputShape = Shape(geometry.destinationDims)
        let dstLayout = BlockedLayout.make(dstDesc, shape: outputShape)
        let output = dstLayout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: outputShape.count)
        var arguments = [
            PrimitiveArgument(GLEAN_ARG_SRC, srcDesc, source.pointer),
            PrimitiveArgument(GLEAN_ARG_WEIGHTS, weightsDesc, weightStorage.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, dstDesc, output.pointer),
        ]
        let biasStorage = bias?.plainStorage
        if let biasStorage {
            arguments.append(PrimitiveArgument(GLEAN_ARG_BIAS, DNNL.plainDesc([geometry.outputChannels]), biasStorage.pointer))
        }
        primitive.execute(arguments)
        withExtendedLifetime(biasStorage) {}
        return (Tensor(shape: outputShape, storage: output), Tensor(shape: x.shape, storage: source), weightStorage)
    }

    /// Gradient with respect to the input, in the layout oneDNN prefers.
    static func backwardData(_ gradient: Tensor, weights: TensorStorage, weightsDesc: dnnl_memory_desc_t,
                             _ geometry: ConvolutionGeometry) -> Tensor {
        let primitive = geometry.backwardData()
        let diffDstDesc = primitive.desc(dnnl_query_diff_dst_md)
        let wantedWeights = primitive.desc(dnnl_query_weights_md)
        let diffSrcDesc = primitive.desc(dnnl_query_diff_src_md)
        let diffDst = Reorder.storage(gradient, as: diffDstDesc)
        let weightStorage: TensorStorage
        if DNNL.descEqual(weightsDesc, wantedWeights) {
            weightStorage = weights
        } else {
            let layout = BlockedLayout.make(wantedWeights, shape: Shape(geometry.weightDims))
            weightStorage = layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: Shape(geometry.weightDims).count)
            Reorder.run(from: weightsDesc, fromLayoutID: BlockedLayout(weightsDesc).id, fromPointer: weights.pointer,
                        to: wantedWeights, toLayoutID: layout?.id ?? 0, toPointer: weightStorage.pointer,
                        shape: Shape(geometry.weightDims))
        }
        let shape = Shape(geometry.sourceDims)
        let layout = BlockedLayout.make(diffSrcDesc, shape: shape)
        let output = layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: shape.count)
        primitive.execute([
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, diffDstDesc, diffDst.pointer),
            PrimitiveArgument(GLEAN_ARG_WEIGHTS, wantedWeights, weightStorage.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_SRC, diffSrcDesc, output.pointer),
        ])
        return withExtendedLifetime((diffDst, weightStorage)) { Tensor(shape: shape, storage: output) }
    }

    /// Gradients with respect to the weights (plain PyTorch order) and the bias.
    static func backwardWeights(_ gradient: Tensor, source: Tensor, _ geometry: ConvolutionGeometry,
                                weightShape: Shape) -> (weights: Tensor, bias: Tensor?) {
        let primitive = geometry.backwardWeights()
        let srcDesc = primitive.desc(dnnl_query_src_md), diffDstDesc = primitive.desc(dnnl_query_diff_dst_md)
        let diffWeightsDesc = primitive.desc(dnnl_query_diff_weights_md)
        let src = Reorder.storage(source, as: srcDesc)
        let diffDst = Reorder.storage(gradient, as: diffDstDesc)
        let plainDesc = geometry.plainWeightDesc
        let plainWeights = TensorStorage(count: weightShape.count)
        let blocked = DNNL.descEqual(diffWeightsDesc, plainDesc) ? nil : BlockedLayout(diffWeightsDesc)
        let diffWeights = blocked.map { TensorStorage(layout: $0) } ?? plainWeights
        let diffBias = geometry.hasBias ? TensorStorage(count: geometry.outputChannels) : nil
        var arguments = [
            PrimitiveArgument(GLEAN_ARG_SRC, srcDesc, src.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, diffDstDesc, diffDst.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_WEIGHTS, diffWeightsDesc, diffWeights.pointer),
        ]
        if let diffBias {
            arguments.append(PrimitiveArgument(GLEAN_ARG_DIFF_BIAS, DNNL.plainDesc([geometry.outputChannels]), diffBias.pointer))
        }
        primitive.execute(arguments)
        if let blocked {
            Reorder.run(from: diffWeightsDesc, fromLayoutID: blocked.id, fromPointer: diffWeights.pointer,
                        to: plainDesc, toLayoutID: 0, toPointer: plainWeights.pointer, shape: Shape(geometry.weightDims))
        }
        withExtendedLifetime((src, diffDst)) {}
        return (Tensor(shape: weightShape, storage: plainWeights),
                diffBias.map { Tensor(shape: [geometry.outputChannels], storage: $0) })
    }
}
