import CDNNL

/// Layout conversions between plain row-major memory and oneDNN's blocked layouts.
enum Reorder {
    /// Storage holding `tensor`'s values in layout `target` (the same storage when it already is).
    static func storage(_ tensor: Tensor, as target: dnnl_memory_desc_t) -> TensorStorage {
        let source = DNNL.desc(of: tensor)
        if DNNL.descEqual(source, target) { return tensor.storage }
        let targetLayout = BlockedLayout.make(target, shape: tensor.shape)
        let output = targetLayout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: tensor.shape.count)
        run(from: source, fromLayoutID: tensor.storage.layout?.id ?? 0, fromPointer: tensor.storage.pointer,
            to: target, toLayoutID: targetLayout?.id ?? 0, toPointer: output.pointer, shape: tensor.shape)
        return output
    }

    /// Plain row-major storage of `tensor`.
    static func plainStorage(_ tensor: Tensor) -> TensorStorage {
        guard tensor.storage.layout != nil else { return tensor.storage }
        return storage(tensor, as: DNNL.plainDesc(tensor.shape))
    }

    /// Copies memory between two descriptions of the same logical tensor (converting the element
    /// type when they differ). Layout ids name the descriptions in the cache key (0: plain fp32).
    static func run(from source: dnnl_memory_desc_t, fromLayoutID: Int, fromPointer: UnsafeMutableRawPointer,
                    to target: dnnl_memory_desc_t, toLayoutID: Int, toPointer: UnsafeMutableRawPointer,
                    shape: Shape) {
        let key = PrimitiveKey(kind: "reorder", values: [fromLayoutID, toLayoutID] + shape.dims)
        let primitive = PrimitiveCache.primitive(key) {
            var descriptor: dnnl_primitive_desc_t?
            var src = source, dst = target
            DNNL.check(dnnl_reorder_primitive_desc_create(&descriptor, &src, DNNL.engine, &dst, DNNL.engine,
                                                          PrimitiveCache.attributes), "describe reorder")
            return descriptor!
        }
        primitive.execute([
            PrimitiveArgument(GLEAN_ARG_FROM, source, fromPointer),
            PrimitiveArgument(GLEAN_ARG_TO, target, toPointer),
        ])
    }
}
