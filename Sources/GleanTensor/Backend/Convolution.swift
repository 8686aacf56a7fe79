import CDNNL

/// The static description of a 2-D convolution: everything that selects a primitive.
struct ConvolutionGeometry {
    let batch: Int, inputChannels: Int, height: Int, width: Int
    let outputChannels: Int, kernelHeight: Int, kernelWidth: Int
    let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    let groups: Int
    let hasBias: Bool
    /// ReLU applied to the output inside the primitive (forward only, for inference).
    var fusedReLU = false
    /// The kernels the passes run on (`ConvolutionPlan.choose`), decided once when the layer runs
    /// so that its backward passes take the same path.
    var plan = ConvolutionPlan.direct(bf16: false)

    /// bf16 mixed precision: bf16 source, weights and output gradient; fp32 output, input
    /// gradient, weight gradient and bias.
    var bf16: Bool { plan.bf16 }

    /// The geometry the weight gradient runs with: its kernel and precision as forward's.
    var weightGradientGeometry: ConvolutionGeometry {
        var copy = self
        copy.plan = ConvolutionPlan(kernel: plan.weightGradientKernel, bf16: plan.weightGradientBF16,
                                    weightGradientKernel: plan.weightGradientKernel, weightGradientBF16: plan.weightGradientBF16)
        return copy
    }

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
         stride.0, stride.1, padding.0, padding.1, dilation.0, dilation.1, groups, hasBias ? 1 : 0,
         plan.kernel == .oneDNNWinograd ? 1 : 0, fusedReLU ? 1 : 0, bf16 ? 1 : 0]
    }

    /// Element type of the operands that run in low precision (source, weights, output gradient).
    private var operandType: dnnl_data_type_t { bf16 ? dnnl_bf16 : dnnl_f32 }


    private var algorithm: dnnl_alg_kind_t { plan.kernel == .oneDNNWinograd ? dnnl_convolution_auto : dnnl_convolution_direct }
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
            var src = DNNL.anyDesc(sourceDims, operandType), weights = DNNL.anyDesc(weightDims, operandType)
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
            var diffSrc = DNNL.anyDesc(sourceDims), weights = DNNL.anyDesc(weightDims, operandType)
            var diffDst = DNNL.anyDesc(destinationDims, operandType)
            var desc = dnnl_convolution_desc_t()
            DNNL.check(dnnl_dilated_convolution_backward_data_desc_init(
                &desc, algorithm, &diffSrc, &weights, &diffDst, strides, dilates, paddingLeft, paddingRight),
                       "convolution backward-data descriptor \(keyValues)")
            return PrimitiveCache.describe(&desc, hint: forward().descriptor, "convolution backward data")
        }
    }

    func backwardWeights() -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: "conv_bwd_weights", values: keyValues)) {
            var src = DNNL.anyDesc(sourceDims, operandType), diffWeights = DNNL.anyDesc(weightDims)
            var diffDst = DNNL.anyDesc(destinationDims, operandType), diffBias = DNNL.plainDesc([outputChannels])
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
    /// Weights in the layout (and element type) of `target`, converted from plain PyTorch order
    /// when needed; fp32 copies are kept with the plain storage until the weights change.
    static func weights(_ weight: Tensor, _ geometry: ConvolutionGeometry, as target: dnnl_memory_desc_t) -> OperandMemory {
        let plain = weight.plainStorage
        let source = OperandMemory(storage: plain, desc: geometry.plainWeightDesc)
        guard target.data_type == dnnl_f32, !DNNL.descEqual(source.desc, target) else {
            return source.converted(to: target, shape: Shape(geometry.weightDims))
        }
        let layout = BlockedLayout(target)
        if let cached = plain.derivedCopy, cached.version == plain.version, cached.layoutID == layout.id {
            return OperandMemory(storage: cached.storage, desc: target)
        }
        let output = TensorStorage(layout: layout)
        Reorder.run(from: source.desc, fromLayoutID: 0, fromPointer: plain.pointer, to: target, toLayoutID: layout.id,
                    toPointer: output.pointer, shape: Shape(geometry.weightDims))
        plain.derivedCopy = (plain.version, layout.id, output)
        return OperandMemory(storage: output, desc: target)
    }

    /// Runs the forward pass; returns the output and the input and weights as the primitive
    /// read them, for the backward passes.
    static func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                        _ geometry: ConvolutionGeometry) -> (output: Tensor, source: OperandMemory, weights: OperandMemory) {
        switch geometry.plan.kernel {
        case .ownBF16Winograd: return BF16Winograd.forward(x, weight, bias, geometry)
        case .ownWinograd: return OwnWinograd.forward(x, weight, bias, geometry)
        case .oneDNNDirect, .oneDNNWinograd, .ownSingleChannelGradient: break
        }
        let primitive = geometry.forward()
        let dstDesc = primitive.desc(dnnl_query_dst_md)
        let source = OperandMemory.of(x, as: primitive.desc(dnnl_query_src_md))
        let weightMemory = weights(weight, geometry, as: primitive.desc(dnnl_query_weights_md))
        let outputShape = Shape(geometry.destinationDims)
        let dstLayout = BlockedLayout.make(dstDesc, shape: outputShape)
        let output = dstLayout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: outputShape.count)
        var arguments = [
            PrimitiveArgument(GLEAN_ARG_SRC, source.desc, source.pointer),
            PrimitiveArgument(GLEAN_ARG_WEIGHTS, weightMemory.desc, weightMemory.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, dstDesc, output.pointer),
        ]
        let biasStorage = bias?.plainStorage
        if let biasStorage {
            arguments.append(PrimitiveArgument(GLEAN_ARG_BIAS, DNNL.plainDesc([geometry.outputChannels]), biasStorage.pointer))
        }
        primitive.execute(arguments)
        withExtendedLifetime(biasStorage) {}
        return (Tensor(shape: outputShape, storage: output), source, weightMemory)
    }

    /// Gradients with respect to the input (when `needsInputGradient`; in the layout oneDNN
    /// prefers), the weights (plain PyTorch order) and the bias, from output gradient
    /// `gradient` and what `forward` returned. The gradient is converted once when both passes
    /// want it in the same layout.
    static func backward(_ gradient: Tensor, source: OperandMemory, weights: OperandMemory, _ geometry: ConvolutionGeometry,
                         weightShape: Shape, needsInputGradient: Bool) -> (input: Tensor?, weights: Tensor, bias: Tensor?) {
        switch geometry.plan.kernel {
        case .ownBF16Winograd:
            let diffDst = OperandMemory.of(gradient, as: BF16Winograd.blockedDesc(geometry.destinationDims))
            let input = needsInputGradient ? BF16Winograd.backwardData(diffDst, weights: weights, geometry) : nil
            if geometry.plan.weightGradientKernel == .ownBF16Winograd {
                return (input, BF16Winograd.backwardWeights(diffDst, source: source, geometry), nil)
            }
            let weightsGeometry = geometry.weightGradientGeometry
            let (weightGradient, biasGradient) = backwardWeights(
                OperandMemory.of(gradient, as: weightsGeometry.backwardWeights().desc(dnnl_query_diff_dst_md)), source: source,
                weightsGeometry, weightShape: weightShape)
            return (input, weightGradient, biasGradient)
        case .ownWinograd:
            let diffDst = OperandMemory.of(gradient, as: OwnWinograd.blockedDesc(geometry.destinationDims))
            let input = needsInputGradient ? OwnWinograd.backwardData(diffDst, weights: weights, geometry) : nil
            let (weightGradient, biasGradient) = OwnWinograd.backwardWeights(diffDst, source: source, geometry)
            return (input, weightGradient, biasGradient)
        case .oneDNNDirect, .oneDNNWinograd, .ownSingleChannelGradient:
            break
        }
        if geometry.plan.weightGradientKernel == .ownSingleChannelGradient {
            let (weightGradient, biasGradient) = SingleChannelGradient.backwardWeights(gradient, source: source, geometry)
            let input = needsInputGradient
                ? backwardData(OperandMemory.of(gradient, as: geometry.backwardData().desc(dnnl_query_diff_dst_md)),
                               weights: weights, geometry)
                : nil
            return (input, weightGradient, biasGradient)
        }
        let weightsGeometry = geometry.weightGradientGeometry
        let weightsPass = weightsGeometry.backwardWeights()
        let diffDst = OperandMemory.of(gradient, as: weightsPass.desc(dnnl_query_diff_dst_md))
        var input: Tensor?
        if needsInputGradient {
            let dataPass = geometry.backwardData()
            let wanted = dataPass.desc(dnnl_query_diff_dst_md)
            input = backwardData(DNNL.descEqual(wanted, diffDst.desc) ? diffDst : OperandMemory.of(gradient, as: wanted),
                                 weights: weights, geometry)
        }
        let (weightGradient, biasGradient) = backwardWeights(diffDst, source: source, weightsGeometry, weightShape: weightShape)
        return (input, weightGradient, biasGradient)
    }

    static func backwardData(_ diffDst: OperandMemory, weights: OperandMemory, _ geometry: ConvolutionGeometry) -> Tensor {
        let primitive = geometry.backwardData()
        let weightMemory = weights.converted(to: primitive.desc(dnnl_query_weights_md), shape: Shape(geometry.weightDims))
        let diffSrcDesc = primitive.desc(dnnl_query_diff_src_md)
        let shape = Shape(geometry.sourceDims)
        let layout = BlockedLayout.make(diffSrcDesc, shape: shape)
        let output = layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: shape.count)
        primitive.execute([
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, diffDst.desc, diffDst.pointer),
            PrimitiveArgument(GLEAN_ARG_WEIGHTS, weightMemory.desc, weightMemory.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_SRC, diffSrcDesc, output.pointer),
        ])
        return withExtendedLifetime((diffDst.owner, weightMemory.owner)) { Tensor(shape: shape, storage: output) }
    }

    static func backwardWeights(_ diffDst: OperandMemory, source: OperandMemory, _ geometry: ConvolutionGeometry,
                                        weightShape: Shape) -> (weights: Tensor, bias: Tensor?) {
        let primitive = geometry.backwardWeights()
        let src = source.converted(to: primitive.desc(dnnl_query_src_md), shape: Shape(geometry.sourceDims))
        let diffWeightsDesc = primitive.desc(dnnl_query_diff_weights_md)
        let plainDesc = geometry.plainWeightDesc
        let plainWeights = TensorStorage(count: weightShape.count)
        let blocked = DNNL.descEqual(diffWeightsDesc, plainDesc) ? nil : BlockedLayout(diffWeightsDesc)
        let diffWeights = blocked.map { TensorStorage(layout: $0) } ?? plainWeights
        let diffBias = geometry.hasBias ? TensorStorage(count: geometry.outputChannels) : nil
        var arguments = [
            PrimitiveArgument(GLEAN_ARG_SRC, src.desc, src.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, diffDst.desc, diffDst.pointer),
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
        withExtendedLifetime((src.owner, diffDst.owner)) {}
        return (Tensor(shape: weightShape, storage: plainWeights),
                diffBias.map { Tensor(shape: [geometry.outputChannels], storage: $0) })
    }
}
