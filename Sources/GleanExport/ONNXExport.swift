import Foundation
import Glean

/// Why a model could not be exported: the message names the op or the value at fault.
public struct ExportError: Error, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A Glean model as an ONNX graph (opset 17) that onnxruntime and other runtimes read.
///
/// The graph is the model's inference form (`Module.fusedForInference(inputShape:)`: batch norm
/// folded into the convolution before it, ReLU after a convolution inside it, dropout and
/// stochastic depth gone), traced for one pass (`OpTrace`); its weights keep the model's names.
/// The batch dimension is symbolic; the image size is the one traced.
public enum ONNXExport {
    /// Batch size of the traced pass (an unusual number, so that a constant whose first
    /// dimension is the batch is recognised).
    static let tracedBatch = 7

    /// The serialized model of `model` for images of `channels` x `height` x `width`.
    ///
    /// - Parameters:
    ///   - outputName: the graph output's name (`logits` for classifiers, `features` for encoders).
    ///   - rawPixels: when set, the graph takes 0–255 pixels (`pixels`, float32) and normalises them
    ///     with this per-channel mean and std itself; else it takes normalised images (`input`).
    ///   - metadata: key/value strings stored in the model (class names, normalisation, …).
    public static func serialize(_ model: Module, channels: Int, height: Int, width: Int, outputName: String = "logits",
                                 rawPixels: (mean: [Float], std: [Float])? = nil, metadata: [(String, String)] = []) throws -> [UInt8] {
        let fused: FusedModule
        do {
            fused = try model.fusedForInference(inputShape: [channels, height, width])
        } catch let error as FusionError {
            throw ExportError("the model has no inference form to export: \(error)")
        }
        var generator = RandomGenerator(seed: 0, stream: "export/trace")
        let sample = Tensor.uniform([tracedBatch, channels, height, width], low: -1, high: 1, generator: &generator)
        let (trace, output) = withoutGradients { OpTrace.recording { fused(sample) } }
        var graph = GraphBuilder(model: fused)
        if let rawPixels {
            guard rawPixels.mean.count == channels, rawPixels.std.count == channels, rawPixels.std.allSatisfy({ $0 > 0 }) else {
                throw ExportError("normalisation needs \(channels) means and positive stds, got \(rawPixels.mean) and \(rawPixels.std)")
            }
            let scale = graph.constant(rawPixels.std.map { 1 / (255 * $0) }, dims: [1, channels, 1, 1])
            let shift = graph.constant(zip(rawPixels.mean, rawPixels.std).map { $0 / $1 }, dims: [1, channels, 1, 1])
            let scaled = graph.fresh()
            graph.add("Mul", ["pixels", scale], [scaled])
            graph.add("Sub", [scaled, shift], [graph.name(of: sample, defining: true)])
            graph.model.inputs = [.init(name: "pixels", dims: [nil, channels, height, width])]
        } else {
            graph.names[OpTrace.Identity(sample)] = "input"
            graph.model.inputs = [.init(name: "input", dims: [nil, channels, height, width])]
        }
        for op in trace.ops { try graph.translate(op) }
        guard let result = graph.names[OpTrace.Identity(output)] else {
            throw ExportError("the model's output is not computed by an op it ran (it returned a constant or its input)")
        }
        graph.add("Identity", [result], [outputName])
        graph.model.outputs = [.init(name: outputName, dims: [nil] + output.shape.dims.dropFirst().map { $0 })]
        graph.model.metadata = metadata
        return graph.model.bytes
    }
}

/// Turns traced ops into ONNX nodes, naming each value once and each constant as the model's
/// parameter it is (`layer1.0.conv1.weight`, `layer1.0.conv1.bias` for a folded bias), or
/// `constant_N` for others.
private struct GraphBuilder {
    var model = ONNXModel()
    var names: [OpTrace.Identity: String] = [:]
    private let parameterNames: [OpTrace.Identity: String]
    private var valueCount = 0, constantCount = 0

    init(model module: Module) {
        var named: [OpTrace.Identity: String] = [:]
        for (name, parameter) in module.namedParameters() { named[OpTrace.Identity(parameter.value)] = name }
        for (name, buffer) in module.namedBuffers() { named[OpTrace.Identity(buffer.value)] = name }
        parameterNames = named
    }

    mutating func fresh() -> String {
        valueCount += 1
        return "value_\(valueCount)"
    }

    mutating func add(_ opType: String, _ inputs: [String], _ outputs: [String], _ attributes: [ONNXModel.Attribute] = []) {
        model.nodes.append(.init(opType: opType, inputs: inputs, outputs: outputs, attributes: attributes))
    }

    mutating func constant(_ values: [Float], dims: [Int]) -> String {
        constantCount += 1
        let name = "constant_\(constantCount)"
        model.initializers.append(.init(name: name, dims: dims, values: .floats(values)))
        return name
    }

    private mutating func integerConstant(_ values: [Int]) -> String {
        constantCount += 1
        let name = "constant_\(constantCount)"
        model.initializers.append(.init(name: name, dims: [values.count], values: .integers(values)))
        return name
    }

    /// The name of `tensor`'s value: the output of an earlier op, else a constant (stored once).
    /// With `defining`, a new name for the value an op is about to produce.
    mutating func name(of tensor: Tensor, defining: Bool = false) -> String {
        let identity = OpTrace.Identity(tensor)
        if defining {
            let name = fresh()
            names[identity] = name
            return name
        }
        if let name = names[identity] { return name }
        let name = parameterNames[identity] ?? {
            constantCount += 1
            return "constant_\(constantCount)"
        }()
        model.initializers.append(.init(name: name, dims: tensor.shape.dims, values: .floats(tensor.scalars)))
        names[identity] = name
        return name
    }

    /// A constant of the traced batch's size (zeros beside a logit, zero padding) cannot be
    /// stored with a symbolic batch: zeros whose first dimension is the batch become
    /// `ConstantOfShape` of [batch of another input, the rest].
    private mutating func batchFree(_ inputs: [Tensor]) throws -> [String] {
        try inputs.map { tensor in
            let identity = OpTrace.Identity(tensor)
            guard names[identity] == nil, parameterNames[identity] == nil, tensor.rank >= 2,
                  tensor.shape[0] == ONNXExport.tracedBatch else { return name(of: tensor) }
            guard tensor.scalars.allSatisfy({ $0 == 0 }),
                  let batched = inputs.first(where: { $0.rank >= 1 && names[OpTrace.Identity($0)] != nil }) else {
                throw ExportError("a constant of shape \(tensor.shape) depends on the batch size; it cannot be exported")
            }
            let batch = fresh(), shape = fresh(), zeros = fresh()
            add("Shape", [name(of: batched)], [batch], [.integer("start", 0), .integer("end", 1)])
            add("Concat", [batch, integerConstant(Array(tensor.shape.dims.dropFirst()))], [shape], [.integer("axis", 0)])
            add("ConstantOfShape", [shape], [zeros])
            return zeros
        }
    }

    mutating func translate(_ op: OpTrace.Op) throws {
        let inputs = try batchFree(op.inputs)
        let input = op.inputs[0]
        let output = name(of: op.output, defining: true)
        switch op.kind {
        case let .convolution(stride, padding, dilation, groups, relu):
            let weight = op.inputs[1].shape.dims
            let attributes: [ONNXModel.Attribute] = [
                .integers("kernel_shape", [weight[2], weight[3]]), .integers("strides", stride),
                .integers("pads", padding + padding), .integers("dilations", dilation), .integer("group", groups),
            ]
            if relu {
                let convolved = fresh()
                add("Conv", inputs, [convolved], attributes)
                add("Relu", [convolved], [output])
            } else {
                add("Conv", inputs, [output], attributes)
            }
        case let .batchNorm(epsilon, relu):
            if relu {
                let normalised = fresh()
                add("BatchNormalization", inputs, [normalised], [.float("epsilon", epsilon)])
                add("Relu", [normalised], [output])
            } else {
                add("BatchNormalization", inputs, [output], [.float("epsilon", epsilon)])
            }
        case let .activation(name, alpha):
            switch name {
            case "relu": add("Relu", inputs, [output])
            case "sigmoid": add("Sigmoid", inputs, [output])
            case "tanh": add("Tanh", inputs, [output])
            case "leakyRelu": add("LeakyRelu", inputs, [output], [.float("alpha", alpha)])
            case "gelu":
                // Opset 17 has no Gelu: x · (1 + erf(x / √2)) / 2.
                let scaled = fresh(), erf = fresh(), shifted = fresh(), product = fresh()
                add("Mul", [inputs[0], constant([Float(0.5).squareRoot()], dims: [])], [scaled])
                add("Erf", [scaled], [erf])
                add("Add", [erf, constant([1], dims: [])], [shifted])
                add("Mul", [inputs[0], shifted], [product])
                add("Mul", [product, constant([0.5], dims: [])], [output])
            default: throw ExportError("the activation '\(name)' has no ONNX export")
            }
        case .add:
            add("Add", inputs, [output])
        case .reluOfSum:
            let sum = fresh()
            add("Add", inputs, [sum])
            add("Relu", [sum], [output])
        case .linear:
            add("Gemm", inputs, [output], [.integer("transB", 1)])
        case let .pooling(isMax, kernel, stride, padding, countIncludePad):
            if !isMax && kernel == Array(input.shape.dims[2...]) && stride == kernel && padding == [0, 0] {
                add("GlobalAveragePool", inputs, [output])
            } else {
                let attributes: [ONNXModel.Attribute] = [.integers("kernel_shape", kernel), .integers("strides", stride),
                                                         .integers("pads", padding + padding)]
                add(isMax ? "MaxPool" : "AveragePool", inputs, [output],
                    isMax ? attributes : attributes + [.integer("count_include_pad", countIncludePad ? 1 : 0)])
            }
        case .reshape:
            let from = input.shape.dims, to = op.output.shape.dims
            guard from.first == ONNXExport.tracedBatch, to.first == ONNXExport.tracedBatch else {
                throw ExportError("a reshape from \(from) to \(to) mixes the batch with other dimensions")
            }
            if to.count == 2 && from.count > 2 {
                add("Flatten", inputs, [output], [.integer("axis", 1)])
            } else {
                add("Reshape", [inputs[0], integerConstant([0] + to.dropFirst())], [output])
            }
        case let .softmax(axis, log):
            add(log ? "LogSoftmax" : "Softmax", inputs, [output], [.integer("axis", axis)])
        case let .concat(axis):
            add("Concat", inputs, [output], [.integer("axis", axis)])
        case let .other(name):
            throw ExportError("the op '\(name)' (inputs \(op.inputs.map(\.shape))) has no ONNX export")
        }
    }
}
