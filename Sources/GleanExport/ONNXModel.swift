/// An ONNX model as Glean writes it: one graph of standard operators (opset 17), float tensors,
/// named inputs and outputs with a symbolic batch dimension, and string metadata. `bytes` is
/// the serialized `ModelProto` (field numbers of onnx.proto).
struct ONNXModel {
    /// One attribute of a node.
    enum Attribute {
        case integer(String, Int)
        case integers(String, [Int])
        case float(String, Float)
    }

    struct Node {
        let opType: String
        let inputs: [String]
        let outputs: [String]
        var attributes: [Attribute] = []
    }

    /// A constant of shape `dims`: float32 or int64 values in row-major order.
    struct Initializer {
        enum Values {
            case floats([Float])
            case integers([Int])
        }

        let name: String
        let dims: [Int]
        let values: Values
    }

    /// A graph input or output: float32 of shape `dims`, nil for the symbolic batch dimension.
    struct Value {
        let name: String
        let dims: [Int?]
    }

    static let opsetVersion = 17
    /// IR version 8 goes with opset 17.
    static let irVersion = 8

    var nodes: [Node] = []
    var initializers: [Initializer] = []
    var inputs: [Value] = []
    var outputs: [Value] = []
    var metadata: [(String, String)] = []

    var bytes: [UInt8] {
        var model = ProtobufWriter()
        model.integer(1, Self.irVersion)
        model.string(2, "glean")
        model.message(7) { graph in
            for node in nodes { graph.message(1) { Self.write(node, into: &$0) } }
            graph.string(2, "glean")
            for initializer in initializers { graph.message(5) { Self.write(initializer, into: &$0) } }
            for value in inputs { graph.message(11) { Self.write(value, into: &$0) } }
            for value in outputs { graph.message(12) { Self.write(value, into: &$0) } }
        }
        model.message(8) { opset in
            opset.string(1, "")
            opset.integer(2, Self.opsetVersion)
        }
        for (key, value) in metadata {
            model.message(14) { entry in
                entry.string(1, key)
                entry.string(2, value)
            }
        }
        return model.bytes
    }

    private static func write(_ node: Node, into writer: inout ProtobufWriter) {
        for input in node.inputs { writer.string(1, input) }
        for output in node.outputs { writer.string(2, output) }
        writer.string(3, node.outputs[0])
        writer.string(4, node.opType)
        for attribute in node.attributes {
            writer.message(5) { field in
                switch attribute {
                case let .integer(name, value):
                    field.string(1, name)
                    field.integer(20, 2)
                    field.integer(3, value)
                case let .integers(name, values):
                    field.string(1, name)
                    field.integer(20, 7)
                    field.packedIntegers(8, values)
                case let .float(name, value):
                    field.string(1, name)
                    field.integer(20, 1)
                    field.float(2, value)
                }
            }
        }
    }

    private static func write(_ initializer: Initializer, into writer: inout ProtobufWriter) {
        writer.packedIntegers(1, initializer.dims)
        var raw: [UInt8] = []
        switch initializer.values {
        case let .floats(values):
            writer.integer(2, 1)
            raw.reserveCapacity(4 * values.count)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        case let .integers(values):
            writer.integer(2, 7)
            for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { raw.append(contentsOf: $0) } }
        }
        writer.string(8, initializer.name)
        writer.data(9, raw)
    }

    private static func write(_ value: Value, into writer: inout ProtobufWriter) {
        writer.string(1, value.name)
        writer.message(2) { type in
            type.message(1) { tensor in
                tensor.integer(1, 1)
                tensor.message(2) { shape in
                    for dim in value.dims {
                        shape.message(1) { dimension in
                            if let dim { dimension.integer(1, dim) } else { dimension.string(2, "batch") }
                        }
                    }
                }
            }
        }
    }
}
