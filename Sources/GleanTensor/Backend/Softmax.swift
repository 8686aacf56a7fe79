import CDNNL
import Foundation

/// Softmax and log-softmax along one axis of a plain tensor: forward on oneDNN, backward
/// from the saved output.
enum SoftmaxKernels {
    private static func primitive(_ kind: String, log: Bool, shape: Shape, axis: Int) -> CachedPrimitive {
        PrimitiveCache.primitive(PrimitiveKey(kind: kind + (log ? "_log" : ""), values: shape.dims + [axis])) {
            var data = DNNL.plainDesc(shape)
            if log {
                var opDesc = dnnl_logsoftmax_desc_t()
                DNNL.check(dnnl_logsoftmax_forward_desc_init(&opDesc, dnnl_forward_training, &data, Int32(axis)), "log-softmax forward \(shape)")
                return PrimitiveCache.describe(&opDesc, "log-softmax forward")
            }
            var opDesc = dnnl_softmax_desc_t()
            DNNL.check(dnnl_softmax_forward_desc_init(&opDesc, dnnl_forward_training, &data, Int32(axis)), "softmax forward \(shape)")
            return PrimitiveCache.describe(&opDesc, "softmax forward")
        }
    }

    static func forward(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        let source = x.plainStorage
        let output = TensorStorage(count: x.count)
        let desc = DNNL.plainDesc(x.shape)
        primitive("softmax_fwd", log: log, shape: x.shape, axis: axis).execute([
            PrimitiveArgument(GLEAN_ARG_SRC, desc, source.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, desc, output.pointer),
        ])
        return withExtendedLifetime(source) { Tensor(shape: x.shape, storage: output) }
    }

    /// Input gradient from the output `y`: `y·(g − Σ g·y)` for softmax, `g − eʸ·Σ g` for log-softmax.
    static func backward(_ gradient: Tensor, output: Tensor, axis: Int, log: Bool) -> Tensor {
        if log {
            let total = ReductionKernels.sum(gradient, axes: [axis], keepDims: true)
            let probabilities = ElementwiseKernels.map(output) { Foundation.exp($0) }
            return ElementwiseKernels.combine(gradient, ElementwiseKernels.combine(probabilities, total, op: "logSoftmax backward", Multiply()),
                                              op: "logSoftmax backward", Subtract())
        }
        let weighted = ElementwiseKernels.combine(gradient, output, op: "softmax backward", Multiply())
        let total = ReductionKernels.sum(weighted, axes: [axis], keepDims: true)
        let centered = ElementwiseKernels.combine(gradient, total, op: "softmax backward", Subtract())
        return ElementwiseKernels.combine(output, centered, op: "softmax backward", Multiply())
    }
}
