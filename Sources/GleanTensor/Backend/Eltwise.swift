import CDNNL

/// Pointwise activations on oneDNN; they run in any layout, so blocked activations stay blocked.
enum EltwiseKernels {
    /// The activation functions the ops use (oneDNN's algorithms stay in this folder).
    enum Function {
        case reluFromOutput, geluErf, logisticFromOutput, tanhFromOutput

        var algorithm: dnnl_alg_kind_t {
            switch self {
            case .reluFromOutput: return dnnl_eltwise_relu_use_dst_for_bwd
            case .geluErf: return dnnl_eltwise_gelu_erf
            case .logisticFromOutput: return dnnl_eltwise_logistic_use_dst_for_bwd
            case .tanhFromOutput: return dnnl_eltwise_tanh_use_dst_for_bwd
            }
        }
    }

    /// An activation and whether its backward pass reads the output (true) or the input.
    struct Activation {
        let function: Function
        let alpha: Float
        let usesOutputForBackward: Bool

        var algorithm: dnnl_alg_kind_t { function.algorithm }
    }

    private static func key(_ kind: String, _ activation: Activation, _ desc: dnnl_memory_desc_t, _ shape: Shape) -> PrimitiveKey {
        PrimitiveKey(kind: kind, values: shape.dims + [Int(activation.algorithm.rawValue), Int(activation.alpha.bitPattern),
                                                        BlockedLayout.make(desc, shape: shape)?.id ?? 0])
    }

    static func forwardPrimitive(_ activation: Activation, _ desc: dnnl_memory_desc_t, _ shape: Shape) -> CachedPrimitive {
        PrimitiveCache.primitive(key("eltwise_fwd", activation, desc, shape)) {
            var data = desc
            var opDesc = dnnl_eltwise_desc_t()
            DNNL.check(dnnl_eltwise_forward_desc_init(&opDesc, dnnl_forward_training, activation.algorithm, &data,
                                                      activation.alpha, 0),
                       "eltwise forward descriptor \(shape)")
            return PrimitiveCache.describe(&opDesc, "eltwise forward")
        }
    }

    static func forward(_ x: Tensor, _ activation: Activation) -> Tensor {
        let desc = DNNL.desc(of: x)
        let output = x.storage.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: x.count)
        forwardPrimitive(activation, desc, x.shape).execute([
            PrimitiveArgument(GLEAN_ARG_SRC, desc, x.storage.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, desc, output.pointer),
        ])
        return Tensor(shape: x.shape, storage: output)
    }

    /// Gradient of the input given the saved tensor (the output or the input, per activation).
    static func backward(_ gradient: Tensor, saved: Tensor, _ activation: Activation) -> Tensor {
        let desc = DNNL.desc(of: saved)
        let hint = forwardPrimitive(activation, desc, saved.shape)
        let primitive = PrimitiveCache.primitive(key("eltwise_bwd", activation, desc, saved.shape)) {
            var data = desc, diff = desc
            var opDesc = dnnl_eltwise_desc_t()
            DNNL.check(dnnl_eltwise_backward_desc_init(&opDesc, activation.algorithm, &diff, &data, activation.alpha, 0),
                       "eltwise backward descriptor \(saved.shape)")
            return PrimitiveCache.describe(&opDesc, hint: hint.descriptor, "eltwise backward")
        }
        let diffDst = Reorder.storage(gradient, as: desc)
        let output = saved.storage.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: saved.count)
        primitive.execute([
            PrimitiveArgument(activation.usesOutputForBackward ? GLEAN_ARG_DST : GLEAN_ARG_SRC, desc, saved.storage.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, desc, diffDst.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_SRC, desc, output.pointer),
        ])
        return withExtendedLifetime(diffDst) { Tensor(shape: saved.shape, storage: output) }
    }
}
