import Foundation

// Broadcasting arithmetic with gradients. Shapes broadcast as in PyTorch; a gradient flowing
// to a broadcast operand is summed back to that operand's shape.

extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let value = ElementwiseKernels.combine(lhs, rhs, op: "add", zeroPreserving: true, Add())
        let result = recorded("add", shape: value.shape, storage: value.storage, inputs: [lhs, rhs]) { g in
            [ElementwiseKernels.sumToShape(g, lhs.shape), ElementwiseKernels.sumToShape(g, rhs.shape)]
        }
        OpTrace.note(.add, inputs: [lhs, rhs], output: result)
        return result
    }

    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let value = ElementwiseKernels.combine(lhs, rhs, op: "subtract", zeroPreserving: true, Subtract())
        return recorded("subtract", shape: value.shape, storage: value.storage, inputs: [lhs, rhs]) { g in
            [ElementwiseKernels.sumToShape(g, lhs.shape), ElementwiseKernels.sumToShape(-g, rhs.shape)]
        }
    }

    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let value = ElementwiseKernels.combine(lhs, rhs, op: "multiply", zeroPreserving: true, Multiply())
        return recorded("multiply", shape: value.shape, storage: value.storage, inputs: [lhs, rhs]) { g in
            [lhs.requiresGrad ? ElementwiseKernels.sumToShape(g * rhs.detached(), lhs.shape) : nil,
             rhs.requiresGrad ? ElementwiseKernels.sumToShape(g * lhs.detached(), rhs.shape) : nil]
        }
    }

    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let value = ElementwiseKernels.combine(lhs, rhs, op: "divide", Divide())
        return recorded("divide", shape: value.shape, storage: value.storage, inputs: [lhs, rhs]) { g in
            let r = rhs.detached()
            return [lhs.requiresGrad ? ElementwiseKernels.sumToShape(g / r, lhs.shape) : nil,
                    rhs.requiresGrad ? ElementwiseKernels.sumToShape(-(g * value.detached() / r), rhs.shape) : nil]
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        let value = ElementwiseKernels.map(x, zeroPreserving: true, Negate())
        return recorded("negate", shape: x.shape, storage: value.storage, inputs: [x]) { g in [-g] }
    }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs + Tensor(scalar: rhs) }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { Tensor(scalar: lhs) + rhs }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs - Tensor(scalar: rhs) }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { Tensor(scalar: lhs) - rhs }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { Tensor(scalar: lhs) / rhs }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    /// Multiplication by a constant keeps a blocked layout.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        let value = ElementwiseKernels.map(lhs, zeroPreserving: true, Scale(factor: rhs))
        return recorded("scale", shape: lhs.shape, storage: value.storage, inputs: [lhs]) { g in [g * rhs] }
    }

    /// Applies a differentiable unary function given its derivative in terms of input and output.
    private func unary(_ name: String, zeroPreserving: Bool = false, _ f: (Float) -> Float,
                       derivative: @escaping (_ input: Float, _ output: Float) -> Float) -> Tensor {
        let value = ElementwiseKernels.map(self, zeroPreserving: zeroPreserving, f)
        let input = self.detached()
        return Tensor.recorded(name, shape: shape, storage: value.storage, inputs: [self]) { g in
            let local = ElementwiseKernels.combine(input, value, op: name) { derivative($0, $1) }
            return [ElementwiseKernels.combine(g, local, op: name, Multiply())]
        }
    }

    /// e^x.
    public func exp() -> Tensor { unary("exp", Foundation.exp) { _, y in y } }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", Foundation.log) { x, _ in 1 / x } }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", zeroPreserving: true, Foundation.sqrt) { _, y in 0.5 / y } }
    /// x^exponent.
    public func pow(_ exponent: Float) -> Tensor {
        unary("pow", { Foundation.pow($0, exponent) }) { x, _ in exponent * Foundation.pow(x, exponent - 1) }
    }
    /// |x| (gradient 0 at 0).
    public func abs() -> Tensor {
        unary("abs", zeroPreserving: true, Swift.abs) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }
    }
    /// x².
    public func squared() -> Tensor { unary("square", zeroPreserving: true, { $0 * $0 }) { x, _ in 2 * x } }

    /// Values limited to `[min, max]`; the gradient is zero outside the range.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        require(lower <= upper, "clamp: min \(lower) exceeds max \(upper)")
        return unary("clamp", { Swift.min(Swift.max($0, lower), upper) }) { x, _ in x >= lower && x <= upper ? 1 : 0 }
    }

    /// Elementwise `cond ? a : b`; `cond` holds 0 or non-zero. Gradients flow to the chosen side.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let mask = ElementwiseKernels.expand(condition.detached(), to: shape)
        let picked = ElementwiseKernels.combine(mask, ElementwiseKernels.expand(a.detached(), to: shape), op: "where") { c, x in c != 0 ? x : 0 }
        let value = ElementwiseKernels.combine(mask, ElementwiseKernels.expand(b.detached(), to: shape), op: "where") { c, x in c != 0 ? 0 : x }
        let result = ElementwiseKernels.combine(picked, value, op: "where", Add())
        return recorded("where", shape: shape, storage: result.storage, inputs: [a, b]) { g in
            let toA = ElementwiseKernels.combine(mask, g, op: "where") { c, x in c != 0 ? x : 0 }
            let toB = ElementwiseKernels.combine(mask, g, op: "where") { c, x in c != 0 ? 0 : x }
            return [ElementwiseKernels.sumToShape(toA, a.shape), ElementwiseKernels.sumToShape(toB, b.shape)]
        }
    }
}

// Comparisons return 1 where true and 0 where false; they carry no gradient.
extension Tensor {
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, ">") { $0 > $1 } }
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, "<") { $0 < $1 } }
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, ">=") { $0 >= $1 } }
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, "<=") { $0 <= $1 } }
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, "==") { $0 == $1 } }
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(lhs, rhs, "!=") { $0 != $1 } }
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs .> Tensor(scalar: rhs) }
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs .< Tensor(scalar: rhs) }
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs .>= Tensor(scalar: rhs) }
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs .<= Tensor(scalar: rhs) }
    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs .== Tensor(scalar: rhs) }

    private static func compare(_ lhs: Tensor, _ rhs: Tensor, _ name: String,
                                _ predicate: (Float, Float) -> Bool) -> Tensor {
        ElementwiseKernels.combine(lhs.detached(), rhs.detached(), op: "compare \(name)") { predicate($0, $1) ? 1 : 0 }
    }
}
