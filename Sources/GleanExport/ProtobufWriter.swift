/// Protocol Buffers' wire format, enough to write ONNX models: varints, 32-bit floats and
/// length-delimited fields (strings, bytes, packed lists, nested messages).
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func key(_ field: Int, wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// An `int32`, `int64` or enum field (negative values take ten bytes, as protobuf's do).
    mutating func integer(_ field: Int, _ value: Int) {
        key(field, wireType: 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A `float` field.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `bytes` field.
    mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, wireType: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

    /// A packed `repeated int64` field.
    mutating func packedIntegers(_ field: Int, _ values: [Int]) {
        var body = ProtobufWriter()
        for value in values { body.varint(UInt64(bitPattern: Int64(value))) }
        data(field, body.bytes)
    }

    /// A packed `repeated float` field.
    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var body = ProtobufWriter()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { body.bytes.append(contentsOf: $0) } }
        data(field, body.bytes)
    }

    /// A nested message written by `build`.
    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var body = ProtobufWriter()
        build(&body)
        data(field, body.bytes)
    }
}
