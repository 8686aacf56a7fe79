extension Tensor {
    /// Matrix product: `[m, k] · [k, n] → [m, n]`, or batched `[b, m, k] · [b, k, n] → [b, m, n]`
    /// (a 2-D operand is shared across the batch).
    public func matmul(_ other: Tensor) -> Tensor {
        let value = Gemm.product(self, other)
        let a = self.detached(), b = other.detached()
        let aShape = shape, bShape = other.shape
        return Tensor.recorded("matmul", shape: value.shape, storage: value.storage, inputs: [self, other]) { g in
            var gradA: Tensor?, gradB: Tensor?
            if self.requiresGrad {
                let full = Gemm.product(g, b, transposeB: true)
                gradA = full.shape == aShape ? full : full.sum(axis: 0)
            }
            if other.requiresGrad {
                if aShape.rank == 3 && bShape.rank == 2 {
                    gradB = Gemm.product(a.reshaped(-1, aShape[-1]), transposeA: true,
                                         g.reshaped(-1, g.shape[-1]))
                } else {
                    let full = Gemm.product(a, transposeA: true, g)
                    gradB = full.shape == bShape ? full : full.sum(axis: 0)
                }
            }
            return [gradA, gradB]
        }
    }
}
