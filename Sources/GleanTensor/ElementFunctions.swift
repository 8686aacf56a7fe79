/// Functions of one element that `ElementwiseKernels.map` inlines into its loop.
protocol UnaryElementFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// Functions of two elements that `ElementwiseKernels.combine` inlines into its loops.
protocol BinaryElementFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// Any closure, called once per element.
struct UnaryClosure: UnaryElementFunction {
    let body: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { body(x) }
}

/// Any closure, called once per element.
struct BinaryClosure: BinaryElementFunction {
    let body: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { body(a, b) }
}

/// -x.
struct Negate: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { -x }
}

/// x * factor.
struct Scale: UnaryElementFunction {
    let factor: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * factor }
}

/// a + b.
struct Add: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
}

/// a - b.
struct Subtract: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b }
}

/// a * b.
struct Multiply: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
}

/// a / b.
struct Divide: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b }
}

/// b (broadcasting b to a's shape).
struct Second: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b }
}

/// max(a + b, 0): a residual sum followed by ReLU.
struct ReLUOfSum: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.max(a + b, 0) }
}

/// The gradient `a` where the ReLU's output `b` is positive, else 0.
struct PassWherePositive: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : 0 }
}
