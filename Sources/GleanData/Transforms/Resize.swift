import GleanTensor

extension ImageBuffer {
    /// Bilinear resampling to `height` x `width` with half-pixel centres (PyTorch's
    /// `interpolate(mode="bilinear", align_corners=False)`, no antialiasing).
    public func resized(height newHeight: Int, width newWidth: Int) -> ImageBuffer {
        precondition(newHeight > 0 && newWidth > 0, "resize: target \(newHeight)x\(newWidth) must be positive")
        if newHeight == height && newWidth == width { return self }
        let rows = Self.taps(from: height, to: newHeight), columns = Self.taps(from: width, to: newWidth)
        var result = ImageBuffer(channels: channels, height: newHeight, width: newWidth)
        for channel in 0..<channels {
            for (row, (top, bottom, rowWeight)) in rows.enumerated() {
                for (column, (left, right, columnWeight)) in columns.enumerated() {
                    let upper = self[channel, top, left] * (1 - columnWeight) + self[channel, top, right] * columnWeight
                    let lower = self[channel, bottom, left] * (1 - columnWeight) + self[channel, bottom, right] * columnWeight
                    result[channel, row, column] = upper * (1 - rowWeight) + lower * rowWeight
                }
            }
        }
        return result
    }

    /// For each output coordinate: the two source coordinates and the weight of the second.
    private static func taps(from source: Int, to target: Int) -> [(Int, Int, Float)] {
        let scale = Float(source) / Float(target)
        return (0..<target).map { index in
            let position = Swift.max((Float(index) + 0.5) * scale - 0.5, 0)
            let low = Swift.min(Int(position), source - 1)
            let high = Swift.min(low + 1, source - 1)
            return (low, high, position - Float(low))
        }
    }
}

/// Resizes every image to a fixed size (bilinear).
public struct Resize: Transform {
    public let height: Int, width: Int
    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "Resize: size \(height)x\(width) must be positive")
        self.height = height
        self.width = width
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        image.resized(height: height, width: width)
    }
}
