import CZlib
import Foundation

/// Reads a file, inflating it when it is gzip-compressed (magic bytes 1f 8b). Several gzip
/// members in a row are read as one stream, as gunzip does; zero padding after the last member
/// is ignored. Neither the file nor its inflated form may exceed `limit` bytes.
enum CompressedFile {
    static func read(_ path: String, limit: Int = DataLimits.fileBytes) throws -> [UInt8] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DataError.fileNotFound(path: path, hint: "")
        }
        guard !isFolder.boolValue else { throw DataError.unreadable(path: path, reason: "is a folder, not a file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limit {
            throw DataError.corrupt(path: path, reason: "file size \(size) bytes exceeds the limit of \(limit) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        return try inflate(bytes, path: path, limit: limit)
    }

    private static func inflate(_ input: [UInt8], path: String, limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.unreadable(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(input.count * 4, limit))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress!)
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress!
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw DataError.corrupt(path: path, reason: "gzip data is corrupt or truncated (zlib status \(status))")
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    throw DataError.corrupt(path: path, reason: "inflates to more than the limit of \(limit) bytes")
                }
                output.append(contentsOf: chunk[0 ..< produced])
                if status == Z_STREAM_END {
                    let rest = UnsafeBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
                    if rest.allSatisfy({ $0 == 0 }) { break }
                    guard rest.count >= 2, rest[0] == 0x1F, rest[1] == 0x8B else {
                        throw DataError.corrupt(path: path, reason: "\(rest.count) bytes after the end of the gzip data are not another gzip member")
                    }
                    guard inflateReset(&stream) == Z_OK else { throw DataError.unreadable(path: path, reason: "zlib could not restart") }
                } else if stream.avail_in == 0 && stream.avail_out != 0 {
                    throw DataError.corrupt(path: path, reason: "gzip data is truncated")
                }
            }
        }
        return output
    }
}
