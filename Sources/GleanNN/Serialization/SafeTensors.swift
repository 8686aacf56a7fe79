import Foundation
import GleanTensor

/// Why a checkpoint could not be read, written or applied. Every case names the file or key.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    /// Tensors that do not fit the model, found before the file is known (see `naming(_:)`).
    case mismatch(reason: String)
    /// The tensors of `path` do not fit the model (or run) they were loaded into.
    case doesNotFit(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    /// Runs `body`; a `mismatch` it throws comes out as `doesNotFit` naming `path`.
    public static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let CheckpointError.mismatch(reason) {
            throw CheckpointError.doesNotFit(path: path, reason: reason)
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read checkpoint: \(reason)"
        case let .corrupt(path, reason): return "\(path): not a valid safetensors file: \(reason)"
        case let .mismatch(reason): return "checkpoint does not fit the model: \(reason)"
        case let .doesNotFit(path, reason): return "\(path) does not fit: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write checkpoint: \(reason)"
        }
    }
}

/// One tensor in a safetensors file.
public enum StoredTensor: Equatable, Sendable {
    /// Floating-point data (F32 on disk when written by Glean; F16/BF16/F64 are widened/narrowed on read).
    case float(values: [Float], shape: Shape)
    /// 64-bit integers (e.g. batch norm's `num_batches_tracked`).
    case int64(values: [Int64], shape: Shape)

    public var shape: Shape {
        switch self {
        case let .float(_, shape), let .int64(_, shape): return shape
        }
    }

    /// The values as a float tensor (integers converted).
    public var tensor: Tensor {
        switch self {
        case let .float(values, shape): return Tensor(values, shape: shape)
        case let .int64(values, shape): return Tensor(values.map(Float.init), shape: shape)
        }
    }
}

/// The safetensors format (an 8-byte little-endian header length, a JSON header mapping names
/// to dtype, shape and byte offsets, then the raw little-endian data) — the format PyTorch's
/// `safetensors.torch.save_file` / `load_file` use. Reading never executes anything and checks
/// every offset and size against the file; writing goes to a temporary file that is renamed
/// into place, so a crash never leaves a half-written checkpoint.
public enum SafeTensors {
    /// Writes `tensors` (in the given order) with string `metadata`.
    public static func write(_ tensors: [(String, StoredTensor)], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var payload = Data()
        for (name, stored) in tensors {
            guard header[name] == nil, name != "__metadata__" else {
                throw CheckpointError.writeFailed(path: path, reason: "duplicate or reserved tensor name '\(name)'")
            }
            let begin = payload.count
            let dtype: String
            switch stored {
            case let .float(values, _):
                dtype = "F32"
                values.withUnsafeBytes { payload.append(contentsOf: $0) }
            case let .int64(values, _):
                dtype = "I64"
                values.map(\.littleEndian).withUnsafeBytes { payload.append(contentsOf: $0) }
            }
            header[name] = ["dtype": dtype, "shape": stored.shape.dims, "data_offsets": [begin, payload.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var file = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(payload)
        do {
            try AtomicFile.write(file, to: path)
        } catch let error as FileWriteError {
            throw CheckpointError.writeFailed(path: path, reason: error.reason)
        }
    }

    /// Reads every tensor and the metadata.
    public static func read(_ path: String) throws -> (tensors: [String: StoredTensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "permission denied or not a regular file" : "file not found")
        }
        guard data.count >= 8 else { throw CheckpointError.corrupt(path: path, reason: "only \(data.count) bytes") }
        let claimed = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard claimed >= 2, claimed <= UInt64(data.count - 8), claimed <= 100_000_000 else {
            throw CheckpointError.corrupt(path: path, reason: "header length \(claimed) does not fit a \(data.count)-byte file (limit 100000000)")
        }
        let headerLength = Int(claimed)
        let headerData = data.subdata(in: 8 ..< 8 + headerLength)
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw CheckpointError.corrupt(path: path, reason: "header is not a JSON object")
        }
        let body = data.subdata(in: 8 + headerLength ..< data.count)
        var metadata: [String: String] = [:]
        var tensors: [String: StoredTensor] = [:]
        var regions: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let entries = value as? [String: String] else {
                    throw CheckpointError.corrupt(path: path, reason: "__metadata__ must map strings to strings")
                }
                metadata = entries
                continue
            }
            tensors[name] = try decode(name, value, body: body, path: path)
            if let offsets = (value as? [String: Any])?["data_offsets"] as? [Int] { regions.append((name, offsets[0], offsets[1])) }
        }
        try checkRegions(regions, bodySize: body.count, path: path)
        return (tensors, metadata)
    }

    /// As the format's reference reader requires: the tensors' byte regions, in offset order,
    /// start at 0, follow one another without gap or overlap, and end where the file ends.
    private static func checkRegions(_ regions: [(name: String, begin: Int, end: Int)], bodySize: Int, path: String) throws {
        var position = 0
        for region in regions.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
            guard region.begin == position else {
                throw CheckpointError.corrupt(path: path, reason: region.begin < position
                    ? "entry '\(region.name)' overlaps another tensor's bytes (offset \(region.begin), the previous tensor ends at \(position))"
                    : "bytes \(position)..<\(region.begin) of the data section belong to no tensor")
            }
            position = region.end
        }
        guard position == bodySize else {
            throw CheckpointError.corrupt(path: path, reason: "bytes \(position)..<\(bodySize) of the data section belong to no tensor")
        }
    }

    private static func decode(_ name: String, _ value: Any, body: Data, path: String) throws -> StoredTensor {
        guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
              let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
            throw CheckpointError.corrupt(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets")
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.count <= 8 else {
            throw CheckpointError.corrupt(path: path, reason: "entry '\(name)' has invalid shape \(shape)")
        }
        let sizes = ["F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8]
        guard let size = sizes[dtype] else {
            throw CheckpointError.corrupt(path: path, reason: "entry '\(name)' has unsupported dtype \(dtype)")
        }
        let (count, overflow) = shape.reduce((1, false)) { partial, extent in
            let (product, flag) = partial.0.multipliedReportingOverflow(by: extent)
            return (product, partial.1 || flag)
        }
        let (begin, end) = (offsets[0], offsets[1])
        let (byteCount, byteCountOverflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, !byteCountOverflow, begin >= 0, begin <= end, end <= body.count, end - begin == byteCount else {
            throw CheckpointError.corrupt(path: path, reason: "entry '\(name)' (\(dtype) \(shape)) has data offsets \(offsets) that do not fit its size or the \(body.count)-byte data section")
        }
        let bytes = body.subdata(in: begin ..< end)
        let shapeValue = Shape(shape)
        return bytes.withUnsafeBytes { raw -> StoredTensor in
            func word<T: FixedWidthInteger>(_ index: Int, _ type: T.Type) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
            }
            switch dtype {
            case "F32": return .float(values: (0..<count).map { Float(bitPattern: word($0, UInt32.self)) }, shape: shapeValue)
            case "F64": return .float(values: (0..<count).map { Float(Double(bitPattern: word($0, UInt64.self))) }, shape: shapeValue)
            case "F16": return .float(values: (0..<count).map { Float(Float16(bitPattern: word($0, UInt16.self))) }, shape: shapeValue)
            case "BF16": return .float(values: (0..<count).map { Float(bitPattern: UInt32(word($0, UInt16.self)) << 16) }, shape: shapeValue)
            default: return .int64(values: (0..<count).map { Int64(bitPattern: word($0, UInt64.self)) }, shape: shapeValue)
            }
        }
    }
}
