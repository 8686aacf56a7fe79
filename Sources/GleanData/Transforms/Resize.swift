import GleanTensor

extension ImageBuffer {
    /// Bilinear resampling to `height` x `width` with half-pixel centres (PyTorch's
    /// `interpolate(mode="bilinear", align_corners=False)`, no antialiasing).
    public func resized(height newHeight: Int, width newWidth: Int) -> ImageBuffer {
        require(newHeight > 0 && newWidth > 0, "resize: target \(newHeight)x\(newWidth) must be positive")
        if newHeight == height && newWidth == width { return self }
        return resizedWindow(top: 0, left: 0, height: height, width: width, to: newHeight, newWidth)
    }

    /// The window `[top, top + h) x [left, left + w)` resampled bilinearly to `newHeight` x `newWidth`
    /// (crop and resize in one pass).
    func resizedWindow(top: Int, left: Int, height h: Int, width w: Int, to newHeight: Int, _ newWidth: Int) -> ImageBuffer {
        let rows = Self.taps(from: h, to: newHeight), columns = Self.taps(from: w, to: newWidth)
        var result = ImageBuffer(channels: channels, height: newHeight, width: newWidth)
        let sourceWidth = width, sourcePlane = height * width, targetPlane = newHeight * newWidth
        values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                for channel in 0..<channels {
                    let plane = source.baseAddress! + channel * sourcePlane + top * sourceWidth + left
                    let out = target.baseAddress! + channel * targetPlane
                    for (row, (upperRow, lowerRow, rowWeight)) in rows.enumerated() {
                        let upper = plane + upperRow * sourceWidth, lower = plane + lowerRow * sourceWidth
                        let line = out + row * newWidth
                        for (column, (first, second, columnWeight)) in columns.enumerated() {
                            let top = upper[first] + (upper[second] - upper[first]) * columnWeight
                            let bottom = lower[first] + (lower[second] - lower[first]) * columnWeight
                            line[column] = top + (bottom - top) * rowWeight
                        }
                    }
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

extension ImageBuffer {
    /// The values as 8-bit pixels (`[C, H, W]`), rounded and clamped to 0...255.
    /// The values with each channel shifted by `mean` and divided by `std` (a model's input form).
    public func normalized(mean: [Float], std: [Float]) -> [Float] {
        require(mean.count == channels && std.count == channels, "ImageBuffer.normalized: \(channels) channels need \(channels) means and stds")
        let plane = height * width
        return values.enumerated().map { ($1 - mean[$0 / plane]) / std[$0 / plane] }
    }

    public var bytes: [UInt8] { values.map { UInt8(Swift.min(Swift.max(($0 * 255).rounded(), 0), 255)) } }
}

extension ImageDataset {
    /// Every image resampled bilinearly to `height` x `width` (as `ImageBuffer.resized`), the
    /// pixels rounded back to 8 bits; labels and classes unchanged.
    public func resized(height newHeight: Int, width newWidth: Int) -> ImageDataset {
        if newHeight == height && newWidth == width { return self }
        var resampled = [UInt8]()
        resampled.reserveCapacity(count * channels * newHeight * newWidth)
        for index in 0..<count { resampled += image(at: index).resized(height: newHeight, width: newWidth).bytes }
        return ImageDataset(pixels: resampled, labels: labels, channels: channels, height: newHeight, width: newWidth,
                            classCount: classCount, classNames: classNames, sources: sources)
    }
}

/// Resizes every image to a fixed size (bilinear).
public struct Resize: Transform {
    public let height: Int, width: Int
    public init(height: Int, width: Int) {
        require(height > 0 && width > 0, "Resize: size \(height)x\(width) must be positive")
        self.height = height
        self.width = width
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        image.resized(height: height, width: width)
    }
}
