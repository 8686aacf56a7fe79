import CDNNL

/// Which pooling the ops ask for (oneDNN's algorithms stay in this folder).
enum PoolingFunction {
    case max, averageIncludingPadding, averageExcludingPadding

    var algorithm: dnnl_alg_kind_t {
        switch self {
        case .max: return dnnl_pooling_max
        case .averageIncludingPadding: return dnnl_pooling_avg_include_padding
        case .averageExcludingPadding: return dnnl_pooling_avg_exclude_padding
        }
    }
}

/// Max and average pooling on oneDNN; the output keeps the input's layout family.
struct PoolingGeometry {
    let input: Shape
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    let function: PoolingFunction

    private var algorithm: dnnl_alg_kind_t { function.algorithm }

    var outputHeight: Int { (input[2] + 2 * padding.0 - kernel.0) / stride.0 + 1 }
    var outputWidth: Int { (input[3] + 2 * padding.1 - kernel.1) / stride.1 + 1 }
    var outputShape: Shape { [input[0], input[1], outputHeight, outputWidth] }

    private var paddingRight: [dnnl_dim_t] {
        DNNL.dims([Swift.max(0, (outputHeight - 1) * stride.0 + kernel.0 - input[2] - padding.0),
                   Swift.max(0, (outputWidth - 1) * stride.1 + kernel.1 - input[3] - padding.1)])
    }

    private func key(_ kind: String, _ layoutID: Int, training: Bool) -> PrimitiveKey {
        PrimitiveKey(kind: kind, values: input.dims + [kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1,
                                                        Int(algorithm.rawValue), layoutID, training ? 1 : 0])
    }

    func forward(sourceDesc: dnnl_memory_desc_t, training: Bool) -> CachedPrimitive {
        let layoutID = BlockedLayout.make(sourceDesc, shape: input)?.id ?? 0
        return PrimitiveCache.primitive(key("pool_fwd", layoutID, training: training)) {
            var src = sourceDesc, dst = DNNL.anyDesc(outputShape.dims)
            var desc = dnnl_pooling_desc_t()
            DNNL.check(dnnl_pooling_forward_desc_init(&desc, training ? dnnl_forward_training : dnnl_forward_inference,
                                                      algorithm, &src, &dst, DNNL.dims([stride.0, stride.1]),
                                                      DNNL.dims([kernel.0, kernel.1]),
                                                      DNNL.dims([padding.0, padding.1]), paddingRight),
                       "pooling forward descriptor \(input) kernel \(kernel)")
            return PrimitiveCache.describe(&desc, "pooling forward")
        }
    }

    func backward(sourceDesc: dnnl_memory_desc_t, destinationDesc: dnnl_memory_desc_t) -> CachedPrimitive {
        let layoutID = BlockedLayout.make(sourceDesc, shape: input)?.id ?? 0
        let hint = forward(sourceDesc: sourceDesc, training: true)
        return PrimitiveCache.primitive(key("pool_bwd", layoutID, training: true)) {
            var diffSrc = sourceDesc, diffDst = destinationDesc
            var desc = dnnl_pooling_desc_t()
            DNNL.check(dnnl_pooling_backward_desc_init(&desc, algorithm, &diffSrc, &diffDst,
                                                       DNNL.dims([stride.0, stride.1]), DNNL.dims([kernel.0, kernel.1]),
                                                       DNNL.dims([padding.0, padding.1]), paddingRight),
                       "pooling backward descriptor \(input) kernel \(kernel)")
            return PrimitiveCache.describe(&desc, hint: hint.descriptor, "pooling backward")
        }
    }
}

enum PoolingKernels {
    /// Pools `x`; when `training`, also returns what the backward pass needs.
    static func pool(_ x: Tensor, _ geometry: PoolingGeometry, training: Bool) -> (Tensor, (Tensor) -> Tensor) {
        let sourceDesc = DNNL.desc(of: x)
        let primitive = geometry.forward(sourceDesc: sourceDesc, training: training)
        let dstDesc = primitive.desc(dnnl_query_dst_md)
        let outputShape = geometry.outputShape
        let layout = BlockedLayout.make(dstDesc, shape: outputShape)
        let output = layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: outputShape.count)
        var arguments = [
            PrimitiveArgument(GLEAN_ARG_SRC, sourceDesc, x.storage.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, dstDesc, output.pointer),
        ]
        let workspaceDesc = primitive.desc(dnnl_query_workspace_md)
        var workspace: TensorStorage?
        var copy = workspaceDesc
        let workspaceBytes = dnnl_memory_desc_get_size(&copy)
        if training && workspaceBytes > 0 {
            workspace = TensorStorage(count: (workspaceBytes + 3) / 4)
            arguments.append(PrimitiveArgument(GLEAN_ARG_WORKSPACE, workspaceDesc, workspace!.pointer))
        }
        primitive.execute(arguments)
        let result = Tensor(shape: outputShape, storage: output)
        let backward: (Tensor) -> Tensor = { gradient in
            let backwardPrimitive = geometry.backward(sourceDesc: sourceDesc, destinationDesc: dstDesc)
            let diffDst = Reorder.storage(gradient, as: dstDesc)
            let sourceLayout = BlockedLayout.make(sourceDesc, shape: geometry.input)
            let diffSrc = sourceLayout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: geometry.input.count)
            var backwardArguments = [
                PrimitiveArgument(GLEAN_ARG_DIFF_DST, dstDesc, diffDst.pointer),
                PrimitiveArgument(GLEAN_ARG_DIFF_SRC, sourceDesc, diffSrc.pointer),
            ]
            if let workspace {
                backwardArguments.append(PrimitiveArgument(GLEAN_ARG_WORKSPACE, workspaceDesc, workspace.pointer))
            }
            backwardPrimitive.execute(backwardArguments)
            return withExtendedLifetime(diffDst) { Tensor(shape: geometry.input, storage: diffSrc) }
        }
        return (result, backward)
    }
}
