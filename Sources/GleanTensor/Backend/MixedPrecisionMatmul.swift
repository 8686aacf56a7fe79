import CDNNL

/// Matrix products in bf16 mixed precision on oneDNN's matmul primitive: both operands are
/// rounded to bf16, products accumulate and land in fp32.
enum MixedPrecisionMatmul {
    /// `op(a) · op(b)` for plain row-major storages holding `batchA` (or `batchB`) matrices of
    /// `aRows x aCols` (`bRows x bCols`); a batch of 1 is shared by every batch.
    static func product(_ a: TensorStorage, rows aRows: Int, columns aCols: Int, batch batchA: Int, transposeA: Bool,
                        _ b: TensorStorage, rows bRows: Int, columns bCols: Int, batch batchB: Int, transposeB: Bool,
                        m: Int, n: Int, k: Int) -> TensorStorage {
        let batch = Swift.max(batchA, batchB)
        // Row-major [batch, rows, cols] read as op(x) [batch, outer, inner] through strides.
        func operand(_ batch: Int, _ rows: Int, _ cols: Int, transposed: Bool) -> (dims: [Int], strides: [Int]) {
            (transposed ? [batch, cols, rows] : [batch, rows, cols],
             [rows * cols] + (transposed ? [1, cols] : [cols, 1]))
        }
        let left = operand(batchA, aRows, aCols, transposed: transposeA)
        let right = operand(batchB, bRows, bCols, transposed: transposeB)
        let key = PrimitiveKey(kind: "matmul_bf16", values: [batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0])
        let primitive = PrimitiveCache.primitive(key) {
            var src = DNNL.stridedDesc(left.dims, left.strides, dnnl_bf16)
            var weights = DNNL.stridedDesc(right.dims, right.strides, dnnl_bf16)
            var dst = DNNL.plainDesc([batch, m, n])
            var desc = dnnl_matmul_desc_t()
            DNNL.check(dnnl_matmul_desc_init(&desc, &src, &weights, nil, &dst), "bf16 matmul descriptor \(key.values)")
            return PrimitiveCache.describe(&desc, "bf16 matmul")
        }
        let leftBF16 = toBF16(a, count: batchA * aRows * aCols), rightBF16 = toBF16(b, count: batchB * bRows * bCols)
        let output = TensorStorage(count: batch * m * n)
        primitive.execute([
            PrimitiveArgument(GLEAN_ARG_SRC, primitive.desc(dnnl_query_src_md), leftBF16.pointer),
            PrimitiveArgument(GLEAN_ARG_WEIGHTS, primitive.desc(dnnl_query_weights_md), rightBF16.pointer),
            PrimitiveArgument(GLEAN_ARG_DST, primitive.desc(dnnl_query_dst_md), output.pointer),
        ])
        return withExtendedLifetime((leftBF16, rightBF16)) { output }
    }

    /// The first `count` values of `storage` rounded to bf16, in the same order.
    private static func toBF16(_ storage: TensorStorage, count: Int) -> RawBuffer {
        let plain = DNNL.plainDesc([count]), rounded = DNNL.stridedDesc([count], [1], dnnl_bf16)
        let buffer = RawBuffer(bytes: 2 * count)
        Reorder.run(from: plain, fromLayoutID: 0, fromPointer: storage.pointer, to: rounded, toLayoutID: BlockedLayout(rounded).id,
                    toPointer: buffer.pointer, shape: [count])
        return buffer
    }
}
