import GleanTensor

/// A parameter-free layer applying a tensor function (ReLU, GELU, flatten, ...).
public final class Lambda: Module {
    public let name: String
    private let function: (Tensor) -> Tensor

    public init(_ name: String, _ function: @escaping (Tensor) -> Tensor) {
        self.name = name
        self.function = function
    }

    public override func forward(_ input: Tensor) -> Tensor { function(input) }
}

/// Layer constructors for the parameter-free functions.
extension Lambda {
    public static func relu() -> Lambda { Lambda("ReLU") { $0.relu() } }
    public static func leakyRelu(negativeSlope: Float = 0.01) -> Lambda {
        Lambda("LeakyReLU") { $0.leakyRelu(negativeSlope: negativeSlope) }
    }
    public static func gelu() -> Lambda { Lambda("GELU") { $0.gelu() } }
    public static func sigmoid() -> Lambda { Lambda("Sigmoid") { $0.sigmoid() } }
    public static func tanh() -> Lambda { Lambda("Tanh") { $0.tanh() } }
    public static func logSoftmax(axis: Int = 1) -> Lambda { Lambda("LogSoftmax") { $0.logSoftmax(axis: axis) } }
    public static func softmax(axis: Int = 1) -> Lambda { Lambda("Softmax") { $0.softmax(axis: axis) } }

    /// `[N, d1, d2, ...]` → `[N, d1·d2·...]`.
    public static func flatten() -> Lambda { Lambda("Flatten") { $0.flattened(startAxis: 1) } }
    /// Passes the input through unchanged (e.g. to strip a head).
    public static func identity() -> Lambda { Lambda("Identity") { $0 } }
}
