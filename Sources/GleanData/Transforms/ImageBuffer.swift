import GleanTensor

/// One image as channel-planar floats in [0, 1] (`[C, H, W]` row-major), what transforms edit.
public struct ImageBuffer: Sendable, Equatable {
    public var channels: Int, height: Int, width: Int
    /// `channels · height · width` values.
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        require(values.count == channels * height * width,
                     "ImageBuffer: \(values.count) values do not fill \(channels)x\(height)x\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// A black image.
    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width,
                  values: [Float](repeating: 0, count: channels * height * width))
    }

    @inline(__always)
    public subscript(channel: Int, row: Int, column: Int) -> Float {
        get { values[(channel * height + row) * width + column] }
        set { values[(channel * height + row) * width + column] = newValue }
    }
}

extension ImageDataset {
    /// Image `index` scaled to [0, 1].
    public func image(at index: Int) -> ImageBuffer {
        let start = index * imageSize
        return ImageBuffer(channels: channels, height: height, width: width,
                           values: pixels[start ..< start + imageSize].map { Float($0) * (1 / 255) })
    }
}
