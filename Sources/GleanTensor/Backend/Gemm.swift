import CDNNL

/// Matrix products on oneDNN's row-major `dnnl_sgemm` (in bf16 mixed precision, its matmul primitive).
enum Gemm {
    /// `op(a) · op(b)` for row-major matrices, batched over a leading axis when present.
    /// `a` is `[batch?, m, k]` (or `[batch?, k, m]` when `transposeA`), likewise `b`;
    /// a 2-D operand is shared by every batch.
    static func product(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        require(a.rank >= 2 && a.rank <= 3 && b.rank >= 2 && b.rank <= 3,
                     "matmul: expects 2-D or 3-D operands, got \(a.shape) and \(b.shape)")
        let aRows = a.shape[-2], aCols = a.shape[-1], bRows = b.shape[-2], bCols = b.shape[-1]
        let m = transposeA ? aCols : aRows, k = transposeA ? aRows : aCols
        let kB = transposeB ? bCols : bRows, n = transposeB ? bRows : bCols
        require(k == kB, "matmul: inner extents differ for shapes \(a.shape) and \(b.shape)")
        let batchA = a.rank == 3 ? a.shape[0] : 1, batchB = b.rank == 3 ? b.shape[0] : 1
        require(batchA == batchB || batchA == 1 || batchB == 1,
                     "matmul: batch extents differ for shapes \(a.shape) and \(b.shape)")
        let batch = Swift.max(batchA, batchB)
        let shape: Shape = (a.rank == 3 || b.rank == 3) ? [batch, m, n] : [m, n]
        FlopCounter.add(2 * Double(batch) * Double(m) * Double(n) * Double(k))
        let left = a.plainStorage, right = b.plainStorage
        if MixedPrecision.active == .bf16 && m > 0 && n > 0 && k > 0 {
            let output = MixedPrecisionMatmul.product(left, rows: aRows, columns: aCols, batch: batchA, transposeA: transposeA,
                                                      right, rows: bRows, columns: bCols, batch: batchB, transposeB: transposeB,
                                                      m: m, n: n, k: k)
            return withExtendedLifetime((left, right)) { Tensor(shape: shape, storage: output) }
        }
        let output = TensorStorage(count: shape.count)
        for index in 0..<batch {
            let aPointer = left.pointer + (batchA == 1 ? 0 : index * aRows * aCols)
            let bPointer = right.pointer + (batchB == 1 ? 0 : index * bRows * bCols)
            let cPointer = output.pointer + index * m * n
            if m == 0 || n == 0 { continue }
            if k == 0 {
                cPointer.initialize(repeating: 0, count: m * n)
                continue
            }
            DNNL.check(dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78,
                                  dnnl_dim_t(m), dnnl_dim_t(n), dnnl_dim_t(k), 1,
                                  aPointer, dnnl_dim_t(aCols), bPointer, dnnl_dim_t(bCols),
                                  0, cPointer, dnnl_dim_t(n)),
                       "sgemm \(a.shape) x \(b.shape)")
        }
        return withExtendedLifetime((left, right)) { Tensor(shape: shape, storage: output) }
    }
}
