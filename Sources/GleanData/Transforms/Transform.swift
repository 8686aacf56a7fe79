import GleanTensor

/// A per-image augmentation. Randomness comes only from `generator`, which the loader seeds
/// from (run seed, epoch, example index), so the same seed gives the same augmented batch.
public protocol Transform: Sendable {
    func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer
}

/// Transforms applied in order.
public struct Compose: Transform {
    public let transforms: [Transform]
    public init(_ transforms: [Transform]) { self.transforms = transforms }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        transforms.reduce(image) { $1.apply($0, generator: &generator) }
    }
}

/// Mirrors the image left–right with probability `probability`.
public struct RandomHorizontalFlip: Transform {
    public let probability: Float
    public init(probability: Float = 0.5) { self.probability = probability }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        guard generator.nextUniform() < probability else { return image }
        var result = image
        let width = image.width
        result.values.withUnsafeMutableBufferPointer { target in
            image.values.withUnsafeBufferPointer { source in
                for line in 0 ..< image.channels * image.height {
                    let from = source.baseAddress! + line * width, to = target.baseAddress! + line * width
                    for column in 0..<width { to[width - 1 - column] = from[column] }
                }
            }
        }
        return result
    }
}

/// Pads by `padding` pixels on every side (zeros or mirrored edges) and cuts a random
/// `height` x `width` window, as torchvision's RandomCrop.
public struct RandomCrop: Transform {
    public enum PaddingMode: String, Sendable { case zero, reflect }
    public let height: Int, width: Int, padding: Int, mode: PaddingMode

    public init(size: Int, padding: Int = 0, mode: PaddingMode = .zero) {
        require(size > 0 && padding >= 0, "RandomCrop: size \(size) must be positive and padding \(padding) >= 0")
        height = size
        width = size
        self.padding = padding
        self.mode = mode
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        let paddedHeight = image.height + 2 * padding, paddedWidth = image.width + 2 * padding
        require(paddedHeight >= height && paddedWidth >= width,
                     "RandomCrop: \(height)x\(width) is larger than the padded \(paddedHeight)x\(paddedWidth) image")
        let top = Int(generator.next() % UInt64(paddedHeight - height + 1))
        let left = Int(generator.next() % UInt64(paddedWidth - width + 1))
        var result = ImageBuffer(channels: image.channels, height: height, width: width)
        for channel in 0..<image.channels {
            for row in 0..<height {
                guard let sourceRow = source(top + row - padding, extent: image.height) else { continue }
                for column in 0..<width {
                    guard let sourceColumn = source(left + column - padding, extent: image.width) else { continue }
                    result[channel, row, column] = image[channel, sourceRow, sourceColumn]
                }
            }
        }
        return result
    }

    /// The source coordinate for a padded coordinate, or nil for zero padding.
    private func source(_ position: Int, extent: Int) -> Int? {
        if position >= 0 && position < extent { return position }
        guard mode == .reflect, extent > 1 else { return nil }
        var p = position
        while p < 0 || p >= extent { p = p < 0 ? -p : 2 * (extent - 1) - p }
        return p
    }
}

/// Applies `transform` with probability `probability` (SimCLR's colour jitter with p = 0.8).
public struct RandomApply: Transform {
    public let transform: Transform, probability: Float
    public init(_ transform: Transform, probability: Float) {
        require(probability >= 0 && probability <= 1, "RandomApply: probability \(probability) must be in [0, 1]")
        self.transform = transform
        self.probability = probability
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        generator.nextUniform() < probability ? transform.apply(image, generator: &generator) : image
    }
}
