/// The logical extents of a tensor, outermost first (PyTorch order: `[N, C, H, W]`
/// for images, `[out, in]` for linear weights).
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// Extent of each axis.
    public var dims: [Int]

    /// Creates a shape from its extents; every extent must be non-negative.
    public init(_ dims: [Int]) {
        require(dims.allSatisfy { $0 >= 0 }, "Shape: negative extent in \(dims)")
        self.dims = dims
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Number of axes.
    public var rank: Int { dims.count }
    /// Number of elements (1 for a scalar).
    public var count: Int { dims.reduce(1, *) }
    /// Row-major strides in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: dims.count)
        var running = 1
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            result[axis] = running
            running *= dims[axis]
        }
        return result
    }

    public subscript(axis: Int) -> Int {
        get { dims[normalizedAxis(axis)] }
        set { dims[normalizedAxis(axis)] = newValue }
    }

    /// Resolves a negative axis (`-1` is the last) and checks the range.
    public func normalizedAxis(_ axis: Int, op: String = "axis") -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        require(resolved >= 0 && resolved < rank, "\(op): axis \(axis) is out of range for shape \(self)")
        return resolved
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

extension Shape {
    /// The shape both operands broadcast to under NumPy/PyTorch rules; stops with a message
    /// naming `op` and both shapes when they are incompatible.
    static func broadcast(_ a: Shape, _ b: Shape, op: String) -> Shape {
        let rank = max(a.rank, b.rank)
        var dims = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let da = index < rank - a.rank ? 1 : a.dims[index - (rank - a.rank)]
            let db = index < rank - b.rank ? 1 : b.dims[index - (rank - b.rank)]
            if da == db || db == 1 {
                dims[index] = da
            } else if da == 1 {
                dims[index] = db
            } else {
                fatalError("\(op): shapes \(a) and \(b) cannot be broadcast together")
            }
        }
        return Shape(dims)
    }

    /// Element strides of `self` when read as `target` (0 on broadcast axes).
    func broadcastStrides(to target: Shape) -> [Int] {
        let own = strides
        let offset = target.rank - rank
        return (0..<target.rank).map { axis in
            axis < offset || dims[axis - offset] == 1 ? 0 : own[axis - offset]
        }
    }
}
