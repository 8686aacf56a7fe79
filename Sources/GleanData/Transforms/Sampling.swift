import GleanTensor

extension RandomGenerator {
    /// A uniform float in `[range.lowerBound, range.upperBound]`.
    mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUniform()
    }

    /// A uniform integer in `0..<count`.
    mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}

extension ImageBuffer {
    /// Bilinear sample of `channel` at a fractional position; `fill` outside the image.
    @inline(__always)
    func sample(_ channel: Int, _ y: Float, _ x: Float, fill: Float = 0) -> Float {
        guard y > -1, x > -1, y < Float(height), x < Float(width) else { return fill }
        let y0 = Int(y.rounded(.down)), x0 = Int(x.rounded(.down))
        let dy = y - Float(y0), dx = x - Float(x0)
        func at(_ row: Int, _ column: Int) -> Float {
            row >= 0 && row < height && column >= 0 && column < width ? self[channel, row, column] : fill
        }
        let top = at(y0, x0) * (1 - dx) + at(y0, x0 + 1) * dx
        let bottom = at(y0 + 1, x0) * (1 - dx) + at(y0 + 1, x0 + 1) * dx
        return top * (1 - dy) + bottom * dy
    }

    /// The window `[top, top + h) x [left, left + w)` (must lie inside the image).
    func cropped(top: Int, left: Int, height h: Int, width w: Int) -> ImageBuffer {
        var result = ImageBuffer(channels: channels, height: h, width: w)
        for channel in 0..<channels {
            for row in 0..<h {
                let from = (channel * height + top + row) * width + left, to = (channel * h + row) * w
                for column in 0..<w { result.values[to + column] = values[from + column] }
            }
        }
        return result
    }

    /// Luminance plane (ITU-R 601) of an RGB image, or the only plane of a gray one.
    func luminance() -> [Float] {
        let plane = height * width
        guard channels >= 3 else { return Array(values[0..<plane]) }
        return [Float](unsafeUninitializedCapacity: plane) { gray, initialized in
            values.withUnsafeBufferPointer { source in
                let red = source.baseAddress!, green = red + plane, blue = green + plane
                for p in 0..<plane { gray[p] = 0.299 * red[p] + 0.587 * green[p] + 0.114 * blue[p] }
            }
            initialized = plane
        }
    }

    /// `self · factor + other · (1 − factor)`, clamped to [0, 1] (the blend behind brightness,
    /// contrast, saturation and sharpness).
    func blended(with other: [Float], factor: Float) -> ImageBuffer {
        var result = self
        for index in values.indices {
            result.values[index] = Swift.min(Swift.max(values[index] * factor + other[index] * (1 - factor), 0), 1)
        }
        return result
    }
}
