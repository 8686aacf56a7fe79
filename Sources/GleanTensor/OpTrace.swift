/// The ops of one forward pass in the order they ran, with what an exporter needs to rebuild
/// them (`OpTrace.recording { model(input) }`); `glean export` turns it into an ONNX graph.
///
/// Every differentiable op is seen (as `.other(name)` when the op does not describe itself);
/// the ops a zoo model's inference uses describe their attributes. The trace holds every tensor
/// it saw, so that a tensor's identity (its storage and shape) names one value for the whole
/// pass; an op that writes into its input's memory replaces that value from then on.
public final class OpTrace {
    /// What an op computed.
    public enum Kind: Equatable, Sendable {
        /// `conv2d` (inputs: x, weight[, bias]); `relu` when the primitive applied ReLU.
        case convolution(stride: [Int], padding: [Int], dilation: [Int], groups: Int, relu: Bool)
        /// Batch norm with running statistics (inputs: x, scale, shift, mean, variance).
        case batchNorm(epsilon: Float, relu: Bool)
        /// An elementwise activation: relu, leakyRelu (`alpha` its slope), gelu, sigmoid, tanh.
        case activation(name: String, alpha: Float)
        /// `a + b` (broadcasting).
        case add
        /// `relu(a + b)`.
        case reluOfSum
        /// `x · weightᵀ + bias` (inputs: x, weight[, bias]).
        case linear
        /// Max or average pooling.
        case pooling(max: Bool, kernel: [Int], stride: [Int], padding: [Int], countIncludePad: Bool)
        /// The same elements in the output's shape.
        case reshape
        /// Softmax (or log-softmax) along `axis`.
        case softmax(axis: Int, log: Bool)
        /// Concatenation along `axis`.
        case concat(axis: Int)
        /// An op without a description (its name), which an exporter cannot rebuild.
        case other(String)
    }

    /// One op: its kind, its inputs and its output.
    public struct Op {
        public let kind: Kind
        public let inputs: [Tensor]
        public let output: Tensor
    }

    /// The ops in the order they ran.
    public private(set) var ops: [Op] = []

    @TaskLocal static var current: OpTrace?

    private init() {}

    /// Runs `body` (a forward pass) and returns its result with the trace of its ops.
    public static func recording(_ body: () throws -> Tensor) rethrows -> (trace: OpTrace, output: Tensor) {
        let trace = OpTrace()
        let output = try $current.withValue(trace) { try body() }
        return (trace, output)
    }

    /// Notes an op of the running trace, if any. An op that describes itself after the generic
    /// record of the same output replaces that record.
    static func note(_ kind: Kind, inputs: [Tensor], output: Tensor) {
        guard let trace = current else { return }
        let op = Op(kind: kind, inputs: inputs, output: output)
        if case .other = kind {
            trace.ops.append(op)
        } else if let last = trace.ops.last, case .other = last.kind, Identity(last.output) == Identity(output) {
            trace.ops[trace.ops.count - 1] = op
        } else {
            trace.ops.append(op)
        }
    }

    /// A value of the traced pass: tensors with the same storage and shape are the same value.
    public struct Identity: Hashable {
        let storage: ObjectIdentifier
        let shape: [Int]

        public init(_ tensor: Tensor) {
            storage = ObjectIdentifier(tensor.storage)
            shape = tensor.shape.dims
        }
    }
}
