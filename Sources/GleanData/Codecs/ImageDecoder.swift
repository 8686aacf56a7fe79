import CPNG
import CTurboJPEG
import Foundation

/// A decoded image: interleaved 8-bit pixels, `height × width × channels` (1 gray, 3 RGB, 4 RGBA).
public struct DecodedImage: Sendable, Equatable {
    public let width: Int, height: Int, channels: Int
    public let pixels: [UInt8]
}

/// PNG (libpng) and JPEG (libjpeg-turbo) decoding, chosen by the file's signature.
public enum ImageDecoder {
    /// Decodes a PNG or JPEG file; errors name the file and what was wrong.
    public static func decode(path: String) throws -> DecodedImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileManager.default.fileExists(atPath: path)
                ? DataError.unreadable(path: path, reason: "permission denied or not a regular file")
                : DataError.fileNotFound(path: path, hint: "")
        }
        return try decode([UInt8](data), path: path)
    }

    /// Decodes in-memory PNG or JPEG bytes; `path` only labels errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try decodePNG(bytes, path: path) }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try decodeJPEG(bytes, path: path) }
        throw DataError.corrupt(path: path, reason: "not a PNG or JPEG file (unrecognised signature)")
    }

    private static func decodePNG(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }) != 0 else {
            throw DataError.corrupt(path: path, reason: "PNG: \(message(of: image))")
        }
        let colorFlag = UInt32(PNG_FORMAT_FLAG_COLOR), alphaFlag = UInt32(PNG_FORMAT_FLAG_ALPHA)
        let hasColor = image.format & colorFlag != 0
        let hasAlpha = image.format & alphaFlag != 0
        let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
        // 8-bit gray, gray+alpha, RGB or RGBA (16-bit files are reduced to 8 bits).
        image.format = (hasColor ? colorFlag : 0) | (hasAlpha ? alphaFlag : 0)
        let width = Int(image.width), height = Int(image.height)
        try checkPixelCount(width: width, height: height, path: path, format: "PNG")
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let status = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard status != 0 else { throw DataError.corrupt(path: path, reason: "PNG: \(message(of: image))") }
        if hasAlpha && !hasColor {
            // Gray + alpha: keep the gray plane only (alpha is not an image channel here).
            return DecodedImage(width: width, height: height, channels: 1,
                                pixels: stride(from: 0, to: pixels.count, by: 2).map { pixels[$0] })
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Refuses, from the header, images larger than `DataLimits.imagePixels`.
    private static func checkPixelCount(width: Int, height: Int, path: String, format: String) throws {
        guard DataLimits.product([width, height], limit: DataLimits.imagePixels) != nil else {
            throw DataError.corrupt(path: path, reason: "\(format) header claims \(width) x \(height) pixels, more than the limit of \(DataLimits.imagePixels) pixels per image")
        }
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func decodeJPEG(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw DataError.unreadable(path: path, reason: "libjpeg-turbo could not start")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0, width > 0, height > 0 else {
            throw DataError.corrupt(path: path, reason: "JPEG: \(String(cString: tjGetErrorStr2(handle)))")
        }
        try checkPixelCount(width: Int(width), height: Int(height), path: path, format: "JPEG")
        let gray = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = gray ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let status = bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(bytes.count), target.baseAddress, width, 0, height,
                              Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), 0)
            }
        }
        // libjpeg reports truncated data as a warning with a partly grey image: treat any
        // warning or error as a damaged file.
        if status != 0 {
            throw DataError.corrupt(path: path, reason: "JPEG is damaged or truncated: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return DecodedImage(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
    }
}
