import CDNNL

/// Softmax and log-softmax along one axis of a plain tensor, on oneDNN.
enum SoftmaxKernels {
    private static func primitive(_ kind: String, log: Bool, shape: Shape, axis: Int, hint: CachedPrimitive?) -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: kind + (log ? "_log" : ""), values: shape.dims + [axis])) {
            var data = DNNL.plainDesc(shape), diff = DNNL.plainDesc(shape)
            if log {
                var opDesc = dnnl_logsoftmax_desc_t()
                if let hint {
                    DNNL.check(dnnl_logsoftmax_backward_desc_init(&opDesc, &diff, &data, Int32(axis)), "log-softmax backward \(shape)")
                    return PrimitiveCache.describe(&opDesc, hint: hint.descriptor, "log-softmax backward")
                }
                DNNL.check(dnnl_logsoftmax_forward_desc_init(&opDesc, dnnl_forward_training, &data, Int32(axis)), "log-softmax forward \(shape)")
                return PrimitiveCache.describe(&opDesc, "log-softmax forward")
            }
            var opDesc = dnnl_softmax_desc_t()
            if let hint {
                DNNL.check(dnnl_softmax_backward_desc_init(&opDesc, &diff, &data, Int32(axis)), "softmax backward \(shape)")
                return PrimitiveCache.describe(&opDesc, hint: hint.descriptor, "softmax backward")
            }
            DNNL.check(dnnl_softmax_forward_desc_init(&opDesc, dnnl_forward_training, &data, Int32(axis)), "softmax forward \(shape)")
            return PrimitiveCache.describe(&opDesc, "softmax forward")
        }
    }

    static func forward(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        let source = x.plainStorage
        let output = TensorStorage(count: x.count)
        let desc = DNNL.plainDesc(x.shape)
        primitive("softmax_fwd", log: log, shape: x.shape, axis: axis, hint: nil).execute([
            PrimitiveArgument(GLEAN_ARG_SRC, desc, source.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, desc, output.pointer),
        ])
        return withExtendedLifetime(source) { Tensor(shape: x.shape, storage: output) }
    }

    static func backward(_ gradient: Tensor, output: Tensor, axis: Int, log: Bool) -> Tensor {
        let hint = primitive("softmax_fwd", log: log, shape: output.shape, axis: axis, hint: nil)
        let diffDst = gradient.plainStorage
        let diffSrc = TensorStorage(count: output.count)
        let desc = DNNL.plainDesc(output.shape)
        primitive("softmax_bwd", log: log, shape: output.shape, axis: axis, hint: hint).execute([
            PrimitiveArgument(GLEAN_ARG_DST, desc, output.storage.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_DST, desc, diffDst.pointer),
            PrimitiveArgument(GLEAN_ARG_DIFF_SRC, desc, diffSrc.pointer),
        ])
        return withExtendedLifetime(diffDst) { Tensor(shape: output.shape, storage: diffSrc) }
    }
}
