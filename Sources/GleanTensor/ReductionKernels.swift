/// Loops behind the reductions. They read plain memory and never record gradients.
enum ReductionKernels {
    /// `x` viewed as `[outer, length, inner]` around `axis`.
    static func split(_ shape: Shape, axis: Int) -> (outer: Int, length: Int, inner: Int) {
        let outer = shape.dims[..<axis].reduce(1, *)
        let inner = shape.dims[(axis + 1)...].reduce(1, *)
        return (outer, shape.dims[axis], inner)
    }

    /// Reduces one axis with `combine`, starting from `initial`, keeping it as extent 1.
    @inline(__always)
    static func reduce(_ x: Tensor, axis: Int, initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        let (outer, length, inner) = split(x.shape, axis: axis)
        var shape = x.shape
        shape.dims[axis] = 1
        let source = x.plainStorage
        let output = TensorStorage(count: outer * inner, repeating: initial)
        let input = source.pointer, out = output.pointer
        for o in 0..<outer {
            let outRow = out + o * inner
            for l in 0..<length {
                let inRow = input + (o * length + l) * inner
                for i in 0..<inner { outRow[i] = combine(outRow[i], inRow[i]) }
            }
        }
        return withExtendedLifetime(source) { Tensor(shape: shape, storage: output) }
    }

    /// Sum over `axes` (all axes when empty).
    static func sum(_ x: Tensor, axes: [Int], keepDims: Bool) -> Tensor {
        let resolved = axes.isEmpty ? Array(0..<x.rank) : Set(axes.map { x.shape.normalizedAxis($0, op: "sum") }).sorted()
        var result = x
        for axis in resolved { result = reduce(result, axis: axis, initial: 0, +) }
        if keepDims { return result }
        var shape = x.shape.dims
        for axis in resolved.reversed() { shape.remove(at: axis) }
        return Tensor(shape: Shape(shape), storage: result.plainStorage)
    }

    /// Index of the largest element along `axis` (first one on ties), axis kept as extent 1.
    static func argmax(_ x: Tensor, axis: Int) -> [Int] {
        let (outer, length, inner) = split(x.shape, axis: axis)
        let source = x.plainStorage
        let input = source.pointer
        var result = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = -Float.infinity, bestIndex = 0
                for l in 0..<length {
                    let value = input[(o * length + l) * inner + i]
                    if value > best || (value.isNaN && !best.isNaN) {
                        best = value
                        bestIndex = l
                    }
                }
                result[o * inner + i] = bestIndex
            }
        }
        withExtendedLifetime(source) {}
        return result
    }
}
