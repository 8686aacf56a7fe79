extension Tensor {
    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(_ scalars: [Float], shape: Shape) {
        require(scalars.count == shape.count,
                     "Tensor(_:shape:): \(scalars.count) values do not fill shape \(shape) (\(shape.count) elements)")
        let storage = TensorStorage(count: shape.count)
        scalars.withUnsafeBufferPointer { source in
            storage.pointer.update(from: source.baseAddress!, count: scalars.count)
        }
        self.init(shape: shape, storage: storage)
    }

    /// A 1-D tensor of `scalars`.
    public init(_ scalars: [Float]) { self.init(scalars, shape: [scalars.count]) }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) { self.init([scalar], shape: []) }

    /// A tensor filled by `body`, which writes `shape.count` elements in row-major order.
    public init(shape: Shape, filling body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let storage = TensorStorage(count: shape.count)
        body(UnsafeMutableBufferPointer(start: storage.pointer, count: shape.count))
        self.init(shape: shape, storage: storage)
    }

    /// All elements equal to `value`.
    public static func full(_ value: Float, shape: Shape) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.count, repeating: value))
    }

    /// All zeros.
    public static func zeros(_ shape: Shape) -> Tensor { full(0, shape: shape) }
    /// All ones.
    public static func ones(_ shape: Shape) -> Tensor { full(1, shape: shape) }

    /// Zeros of another tensor's shape.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// `[start, start + step, ...)` up to but excluding `end`.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        require(step != 0, "arange: step must not be zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [count]) { buffer in
            for index in 0..<count { buffer[index] = start + Float(index) * step }
        }
    }

    /// Uniform values in `[low, high)` drawn from `generator`.
    public static func uniform(_ shape: Shape, low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator) -> Tensor {
        require(high >= low, "uniform: high \(high) is below low \(low)")
        var local = generator
        let result = Tensor(shape: shape) { buffer in
            for index in buffer.indices { buffer[index] = low + (high - low) * local.nextUniform() }
        }
        generator = local
        return result
    }

    /// Normal values with mean `mean` and standard deviation `standardDeviation`.
    public static func normal(_ shape: Shape, mean: Float = 0, standardDeviation: Float = 1,
                              generator: inout RandomGenerator) -> Tensor {
        var local = generator
        let result = Tensor(shape: shape) { buffer in
            for index in buffer.indices { buffer[index] = mean + standardDeviation * local.nextNormal() }
        }
        generator = local
        return result
    }

    /// A `[count, classes]` one-hot encoding of integer class labels.
    public static func oneHot(_ labels: [Int], classes: Int) -> Tensor {
        Tensor(shape: [labels.count, classes]) { buffer in
            buffer.initialize(repeating: 0)
            for (row, label) in labels.enumerated() {
                require(label >= 0 && label < classes, "oneHot: label \(label) is outside 0..<\(classes)")
                buffer[row * classes + label] = 1
            }
        }
    }
}
