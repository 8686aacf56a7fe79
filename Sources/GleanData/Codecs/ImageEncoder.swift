import CPNG

/// Encodes images as PNG (libpng's simplified API), e.g. thumbnails for HTML reports.
public enum ImageEncoder {
    /// PNG bytes of image `index` of `images` (8-bit gray or RGB, planar bytes made interleaved).
    public static func png(_ images: ImageDataset, index: Int) -> [UInt8] {
        let (channels, height, width) = (images.channels, images.height, images.width)
        let plane = height * width, start = index * images.imageSize
        var interleaved = [UInt8](repeating: 0, count: images.imageSize)
        for channel in 0..<channels {
            for position in 0..<plane { interleaved[position * channels + channel] = images.pixels[start + channel * plane + position] }
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        var size = 0
        // First call: the size; second: the bytes.
        guard png_image_write_to_memory(&image, nil, &size, 0, interleaved, 0, nil) != 0, size > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, interleaved, 0, nil) }
        return written != 0 ? Array(bytes.prefix(size)) : []
    }
}
