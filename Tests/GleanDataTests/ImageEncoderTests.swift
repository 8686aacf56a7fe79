import Glean
import Testing

/// PNG thumbnails decode back to the same pixels (gray and RGB).
@Suite struct ImageEncoderTests {
    @Test(arguments: [1, 3]) func pngRoundTrip(channels: Int) throws {
        let (height, width) = (5, 7)
        let pixels = (0..<(2 * channels * height * width)).map { UInt8(($0 * 37) % 256) }
        let images = ImageDataset(pixels: pixels, labels: [0, 1], channels: channels, height: height, width: width, classCount: 2)
        let decoded = try ImageDecoder.decode(ImageEncoder.png(images, index: 1), path: "memory")
        #expect(decoded.width == width && decoded.height == height && decoded.channels == channels)
        let back = ImageBuffer(decoded: decoded, channels: channels).bytes
        #expect(back == Array(pixels[(channels * height * width)...]))
    }
}
