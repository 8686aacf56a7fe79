/// Loops behind the elementwise ops: same-shape, scalar and general broadcasting paths.
/// They never record gradients; the public ops in `Tensor+Arithmetic` do.
enum ElementwiseKernels {
    /// `f` applied to every element. Zero-preserving functions (`f(0) == 0`) keep a blocked
    /// layout and run over the padded buffer; others read plain memory. Generic so that each
    /// concrete `f` is inlined into the loop (and vectorised) instead of called per element.
    @inline(__always)
    static func map<F: UnaryElementFunction>(_ x: Tensor, zeroPreserving: Bool = false, _ f: F) -> Tensor {
        let source = zeroPreserving ? x.storage : x.plainStorage
        let output = source.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: x.count)
        let count = source.layout == nil ? x.count : source.physicalCount
        let input = source.pointer, result = output.pointer
        parallelChunks(count) { range in
            for index in range { result[index] = f(input[index]) }
        }
        return withExtendedLifetime(source) { Tensor(shape: x.shape, storage: output) }
    }

    /// `map` with a closure (called once per element: for the less frequent ops).
    static func map(_ x: Tensor, zeroPreserving: Bool = false, _ f: (Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { map(x, zeroPreserving: zeroPreserving, UnaryClosure(body: $0)) }
    }

    /// `f(a, b)` with NumPy broadcasting. Same-shape zero-preserving ops keep a shared layout.
    /// Generic so that each concrete `f` is inlined into the loops.
    @inline(__always)
    static func combine<F: BinaryElementFunction>(_ a: Tensor, _ b: Tensor, op: String, zeroPreserving: Bool = false,
                                                  _ f: F) -> Tensor {
        if a.shape == b.shape {
            let sameBlockedLayout = zeroPreserving && a.storage.layout != nil
            let left = sameBlockedLayout ? a.storage : a.plainStorage
            let right = sameBlockedLayout ? Reorder.storage(b, as: left.layout!.desc) : b.plainStorage
            let output = left.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: a.count)
            let count = left.layout == nil ? a.count : left.physicalCount
            let lp = left.pointer, rp = right.pointer, out = output.pointer
            parallelChunks(count) { range in
                for index in range { out[index] = f(lp[index], rp[index]) }
            }
            return withExtendedLifetime((left, right)) { Tensor(shape: a.shape, storage: output) }
        }
        let shape = Shape.broadcast(a.shape, b.shape, op: op)
        let left = a.plainStorage, right = b.plainStorage
        let output = TensorStorage(count: shape.count)
        let lp = left.pointer, rp = right.pointer, out = output.pointer
        if b.count == 1 {
            let scalar = rp[0]
            parallelChunks(shape.count) { range in for index in range { out[index] = f(lp[index], scalar) } }
        } else if a.count == 1 {
            let scalar = lp[0]
            parallelChunks(shape.count) { range in for index in range { out[index] = f(scalar, rp[index]) } }
        } else {
            broadcastLoop(shape: shape, a.shape.broadcastStrides(to: shape), b.shape.broadcastStrides(to: shape)) {
                outIndex, aIndex, bIndex, length, aStep, bStep in
                var ai = aIndex, bi = bIndex
                for offset in 0..<length {
                    out[outIndex + offset] = f(lp[ai], rp[bi])
                    ai += aStep
                    bi += bStep
                }
            }
        }
        return withExtendedLifetime((left, right)) { Tensor(shape: shape, storage: output) }
    }

    /// `combine` with a closure (called once per element: for the less frequent ops).
    static func combine(_ a: Tensor, _ b: Tensor, op: String, zeroPreserving: Bool = false,
                        _ f: (Float, Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { combine(a, b, op: op, zeroPreserving: zeroPreserving, BinaryClosure(body: $0)) }
    }

    /// Walks `shape` row by row (last axis innermost), handing each row's start offsets in
    /// the output and both inputs plus the inputs' steps along the last axis.
    @inline(__always)
    static func broadcastLoop(shape: Shape, _ aStrides: [Int], _ bStrides: [Int],
                              _ row: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = shape.rank
        let length = shape.dims[rank - 1]
        let rows = length == 0 ? 0 : shape.count / length
        var counter = [Int](repeating: 0, count: rank)
        var aOffset = 0, bOffset = 0
        for rowIndex in 0..<rows {
            row(rowIndex * length, aOffset, bOffset, length, aStrides[rank - 1], bStrides[rank - 1])
            var axis = rank - 2
            while axis >= 0 {
                counter[axis] += 1
                aOffset += aStrides[axis]
                bOffset += bStrides[axis]
                if counter[axis] < shape.dims[axis] { break }
                aOffset -= aStrides[axis] * counter[axis]
                bOffset -= bStrides[axis] * counter[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
    }

    /// `x` expanded to `shape` by broadcasting.
    static func expand(_ x: Tensor, to shape: Shape) -> Tensor {
        if x.shape == shape { return x }
        return combine(Tensor.zeros(shape), x, op: "expand", Second())
    }

    /// Sums `x` down to `shape` (the reverse of broadcasting), for gradients.
    static func sumToShape(_ x: Tensor, _ shape: Shape) -> Tensor {
        if x.shape == shape { return x }
        var result = x
        let extra = x.rank - shape.rank
        if extra > 0 { result = ReductionKernels.sum(result, axes: Array(0..<extra), keepDims: false) }
        let ones = (0..<shape.rank).filter { shape.dims[$0] == 1 && result.shape.dims[$0] != 1 }
        if !ones.isEmpty { result = ReductionKernels.sum(result, axes: ones, keepDims: true) }
        return result
    }
}
