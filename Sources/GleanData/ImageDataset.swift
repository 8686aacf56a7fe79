import GleanTensor

/// Images as bytes with integer labels, the in-memory form every reader produces.
public struct ImageDataset: Sendable {
    /// Pixels, `count × channels × height × width`, row-major, 0–255.
    public let pixels: [UInt8]
    /// One class index per image.
    public let labels: [Int]
    public let channels: Int, height: Int, width: Int
    /// Number of classes (labels lie in `0..<classCount`).
    public let classCount: Int
    /// Optional class names, `classCount` of them.
    public let classNames: [String]
    /// Where each image came from (its file, for images read from a folder), or empty when the
    /// reader does not know (IDX and CIFAR files hold many images).
    public let sources: [String]

    public init(pixels: [UInt8], labels: [Int], channels: Int, height: Int, width: Int, classCount: Int,
                classNames: [String] = [], sources: [String] = []) {
        require(pixels.count == labels.count * channels * height * width,
                     "ImageDataset: \(pixels.count) pixels do not fit \(labels.count) images of \(channels)x\(height)x\(width)")
        require(sources.isEmpty || sources.count == labels.count, "ImageDataset: \(sources.count) sources for \(labels.count) images")
        self.sources = sources
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames.isEmpty ? (0..<classCount).map(String.init) : classNames
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Values per image.
    public var imageSize: Int { channels * height * width }
    /// The `index`th image's source, or `#index` when the reader does not know it.
    public func source(of index: Int) -> String { sources.isEmpty ? "#\(index)" : sources[index] }

    /// Images of each class, indexed by label (`classCount` entries).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var selected = [UInt8]()
        selected.reserveCapacity(indices.count * imageSize)
        for index in indices {
            selected.append(contentsOf: pixels[index * imageSize ..< (index + 1) * imageSize])
        }
        return ImageDataset(pixels: selected, labels: indices.map { labels[$0] }, channels: channels, height: height,
                            width: width, classCount: classCount, classNames: classNames,
                            sources: sources.isEmpty ? [] : indices.map { sources[$0] })
    }

    /// These images followed by `other`'s (same geometry and classes).
    public func appending(_ other: ImageDataset) -> ImageDataset {
        require(other.channels == channels && other.height == height && other.width == width && other.classCount == classCount,
                "ImageDataset.appending: \(other.channels)x\(other.height)x\(other.width) images of \(other.classCount) classes "
                    + "do not fit \(channels)x\(height)x\(width) images of \(classCount) classes")
        return ImageDataset(pixels: pixels + other.pixels, labels: labels + other.labels, channels: channels, height: height,
                            width: width, classCount: classCount, classNames: classNames,
                            sources: sources.isEmpty || other.sources.isEmpty ? [] : sources + other.sources)
    }

    /// Only the images of `classes`, relabelled `0..<classes.count` in that order (names kept).
    public func restricted(to classes: [Int]) -> ImageDataset {
        require(!classes.isEmpty && Set(classes).count == classes.count && classes.allSatisfy { (0..<classCount).contains($0) },
                "ImageDataset.restricted: classes \(classes) must be distinct and in 0..<\(classCount)")
        var newLabel = [Int](repeating: -1, count: classCount)
        for (position, label) in classes.enumerated() { newLabel[label] = position }
        let kept = subset(labels.indices.filter { newLabel[labels[$0]] >= 0 })
        return ImageDataset(pixels: kept.pixels, labels: kept.labels.map { newLabel[$0] }, channels: channels, height: height,
                            width: width, classCount: classes.count, classNames: classes.map { classNames[$0] }, sources: kept.sources)
    }

    /// Per-channel mean and standard deviation of the pixels scaled to [0, 1].
    public func channelStatistics() -> (mean: [Float], std: [Float]) {
        var sums = [Double](repeating: 0, count: channels), squares = sums
        let plane = height * width
        for image in 0..<count {
            for channel in 0..<channels {
                let start = image * imageSize + channel * plane
                for p in 0..<plane {
                    let value = Double(pixels[start + p]) / 255
                    sums[channel] += value
                    squares[channel] += value * value
                }
            }
        }
        let n = Double(max(count * plane, 1))
        let mean = sums.map { $0 / n }
        let std = zip(squares, mean).map { (max($0 / n - $1 * $1, 1e-12)).squareRoot() }
        return (mean.map(Float.init), std.map(Float.init))
    }
}
