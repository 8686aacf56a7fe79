extension Tensor {
    /// The same elements in a new shape.
    public func reshaped(to target: Shape) -> Tensor {
        require(target.count == count, "reshape: cannot reshape \(shape) (\(count) elements) to \(target) (\(target.count) elements)")
        let original = shape
        let result = Tensor.recorded("reshape", shape: target, storage: plainStorage, inputs: [self]) { g in
            [g.reshaped(to: original)]
        }
        OpTrace.note(.reshape, inputs: [self], output: result)
        return result
    }

    /// The same elements in a new shape given by its extents; one extent may be -1 and is inferred.
    public func reshaped(_ extents: Int...) -> Tensor {
        var dims = extents
        if let inferred = dims.firstIndex(of: -1) {
            let known = dims.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(extents)")
            dims[inferred] = count / known
        }
        return reshaped(to: Shape(dims))
    }

    /// Flattens axes `startAxis...` into one (`[N, C, H, W]` → `[N, C·H·W]` by default).
    public func flattened(startAxis: Int = 1) -> Tensor {
        let start = shape.normalizedAxis(startAxis, op: "flatten")
        return reshaped(to: Shape(Array(shape.dims[..<start]) + [shape.dims[start...].reduce(1, *)]))
    }

    /// Removes an axis of extent 1.
    public func squeezed(axis: Int) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "squeeze")
        require(shape.dims[axis] == 1, "squeeze: axis \(axis) of shape \(shape) has extent \(shape.dims[axis]), expected 1")
        var dims = shape.dims
        dims.remove(at: axis)
        return reshaped(to: Shape(dims))
    }

    /// Inserts an axis of extent 1 before `axis` (`axis == rank` appends).
    public func unsqueezed(axis: Int) -> Tensor {
        let resolved = axis < 0 ? axis + rank + 1 : axis
        require(resolved >= 0 && resolved <= rank, "unsqueeze: axis \(axis) is out of range for shape \(shape)")
        var dims = shape.dims
        dims.insert(1, at: resolved)
        return reshaped(to: Shape(dims))
    }

    /// Reorders the axes: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        require(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of the axes of \(shape)")
        let target = Shape(order.map { shape.dims[$0] })
        let sourceStrides = shape.strides
        let readStrides = order.map { sourceStrides[$0] }
        let source = plainStorage
        let values = Tensor(shape: target) { buffer in
            guard target.count > 0 else { return }
            if target.rank == 0 { buffer[0] = source.pointer[0]; return }
            ElementwiseKernels.broadcastLoop(shape: target, readStrides, readStrides) { out, from, _, length, step, _ in
                for offset in 0..<length { buffer[out + offset] = source.pointer[from + offset * step] }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (index, axis) in order.enumerated() { inverse[axis] = index }
        return Tensor.recorded("permute", shape: target, storage: values.storage, inputs: [self]) { g in
            [g.permuted(inverse)]
        }
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(shape.normalizedAxis(first, op: "transpose"), shape.normalizedAxis(second, op: "transpose"))
        return permuted(order)
    }

    /// Joins tensors along an existing axis; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "concat: needs at least one tensor")
        let first = tensors[0].shape
        let axis = first.normalizedAxis(axis, op: "concat")
        for tensor in tensors {
            var a = tensor.shape.dims, b = first.dims
            require(a.count == b.count, "concat: shapes \(first) and \(tensor.shape) differ in rank")
            a[axis] = 0
            b[axis] = 0
            require(a == b, "concat: shapes \(first) and \(tensor.shape) differ outside axis \(axis)")
        }
        var dims = first.dims
        dims[axis] = tensors.reduce(0) { $0 + $1.shape.dims[axis] }
        let target = Shape(dims)
        let outer = first.dims[..<axis].reduce(1, *)
        let sources = tensors.map { $0.plainStorage }
        let rowLengths = tensors.map { $0.shape.dims[axis...].reduce(1, *) }
        let outRow = rowLengths.reduce(0, +)
        let values = Tensor(shape: target) { buffer in
            var column = 0
            for (source, length) in Swift.zip(sources, rowLengths) {
                for o in 0..<outer {
                    (buffer.baseAddress! + o * outRow + column).update(from: source.pointer + o * length, count: length)
                }
                column += length
            }
        }
        let extents = tensors.map { $0.shape.dims[axis] }
        let result = recorded("concat", shape: target, storage: values.storage, inputs: tensors) { g in
            var start = 0
            return extents.map { extent in
                defer { start += extent }
                return g.sliced(axis: axis, start ..< start + extent)
            }
        }
        OpTrace.note(.concat(axis: axis), inputs: tensors, output: result)
        return result
    }

    /// Stacks same-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stack: needs at least one tensor")
        for tensor in tensors {
            require(tensor.shape == tensors[0].shape, "stack: shapes \(tensors[0].shape) and \(tensor.shape) differ")
        }
        return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// The elements with index in `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "slice")
        require(range.lowerBound >= 0 && range.upperBound <= shape.dims[axis],
                     "slice: range \(range) is outside 0..<\(shape.dims[axis]) on axis \(axis) of shape \(shape)")
        return indexSelect(axis: axis, Array(range))
    }

    /// The slices at `indices` along `axis`, in that order (repeats allowed).
    public func indexSelect(axis: Int, _ indices: [Int]) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "indexSelect")
        let (outer, length, inner) = ReductionKernels.split(shape, axis: axis)
        for index in indices {
            require(index >= 0 && index < length, "indexSelect: index \(index) is outside 0..<\(length) on axis \(axis) of shape \(shape)")
        }
        var dims = shape.dims
        dims[axis] = indices.count
        let target = Shape(dims)
        let source = plainStorage
        let values = Tensor(shape: target) { buffer in
            for o in 0..<outer {
                for (position, index) in indices.enumerated() {
                    (buffer.baseAddress! + (o * indices.count + position) * inner)
                        .update(from: source.pointer + (o * length + index) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return Tensor.recorded("indexSelect", shape: target, storage: values.storage, inputs: [self]) { g in
            let upstream = g.plainStorage
            return [Tensor(shape: inputShape) { buffer in
                buffer.initialize(repeating: 0)
                for o in 0..<outer {
                    for (position, index) in indices.enumerated() {
                        let to = buffer.baseAddress! + (o * length + index) * inner
                        let from = upstream.pointer + (o * indices.count + position) * inner
                        for i in 0..<inner { to[i] += from[i] }
                    }
                }
            }]
        }
    }

    /// PyTorch's `gather`: `out[..., j, ...] = self[..., index[..., j, ...], ...]` along `axis`,
    /// where `index` has this tensor's rank and holds integral values.
    public func gathered(axis: Int, index: Tensor) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: "gather")
        require(index.rank == rank, "gather: index shape \(index.shape) must have the rank of \(shape)")
        for other in 0..<rank where other != axis {
            require(index.shape.dims[other] == shape.dims[other],
                         "gather: index shape \(index.shape) and input shape \(shape) differ on axis \(other)")
        }
        let (outer, length, inner) = ReductionKernels.split(shape, axis: axis)
        let picks = index.shape.dims[axis]
        let positions = index.scalars.map { Int($0) }
        for position in positions {
            require(position >= 0 && position < length, "gather: index \(position) is outside 0..<\(length)")
        }
        let source = plainStorage
        let values = Tensor(shape: index.shape) { buffer in
            for o in 0..<outer {
                for p in 0..<picks {
                    for i in 0..<inner {
                        let at = (o * picks + p) * inner + i
                        buffer[at] = source.pointer[(o * length + positions[at]) * inner + i]
                    }
                }
            }
        }
        let inputShape = shape
        return Tensor.recorded("gather", shape: index.shape, storage: values.storage, inputs: [self]) { g in
            let upstream = g.plainStorage
            return [Tensor(shape: inputShape) { buffer in
                buffer.initialize(repeating: 0)
                for o in 0..<outer {
                    for p in 0..<picks {
                        for i in 0..<inner {
                            let at = (o * picks + p) * inner + i
                            buffer[(o * length + positions[at]) * inner + i] += upstream.pointer[at]
                        }
                    }
                }
            }]
        }
    }
}
