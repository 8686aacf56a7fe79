import Foundation
import GleanTensor

/// Cuts the central `height` x `width` window.
public struct CenterCrop: Transform {
    public let height: Int, width: Int
    public init(size: Int) { height = size; width = size }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        require(image.height >= height && image.width >= width,
                     "CenterCrop: \(height)x\(width) exceeds the \(image.height)x\(image.width) image")
        return image.cropped(top: (image.height - height) / 2, left: (image.width - width) / 2, height: height, width: width)
    }
}

/// Mirrors the image top–bottom with probability `probability`.
public struct RandomVerticalFlip: Transform {
    public let probability: Float
    public init(probability: Float = 0.5) { self.probability = probability }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        guard generator.nextUniform() < probability else { return image }
        var result = image
        for channel in 0..<image.channels {
            for row in 0..<image.height {
                for column in 0..<image.width { result[channel, image.height - 1 - row, column] = image[channel, row, column] }
            }
        }
        return result
    }
}

/// torchvision's RandomResizedCrop: a window covering a random `scale` fraction of the area
/// with a random aspect ratio (log-uniform in `ratio`), resized to `size` x `size`; after ten
/// failed tries, the central crop of the nearest allowed ratio.
public struct RandomResizedCrop: Transform {
    public let size: Int
    public let scale: ClosedRange<Float>, ratio: ClosedRange<Float>

    public init(size: Int, scale: ClosedRange<Float> = 0.08...1, ratio: ClosedRange<Float> = 0.75...(4.0 / 3.0)) {
        require(size > 0 && scale.lowerBound > 0 && scale.upperBound <= 1 && ratio.lowerBound > 0,
                     "RandomResizedCrop: size \(size), scale \(scale), ratio \(ratio) out of range")
        self.size = size
        self.scale = scale
        self.ratio = ratio
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        let (top, left, h, w) = window(height: image.height, width: image.width, generator: &generator)
        return image.resizedWindow(top: top, left: left, height: h, width: w, to: size, size)
    }

    func window(height: Int, width: Int, generator: inout RandomGenerator) -> (Int, Int, Int, Int) {
        let area = Float(height * width)
        let logRatio = Foundation.log(ratio.lowerBound)...Foundation.log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * generator.uniform(scale)
            let aspect = Foundation.exp(generator.uniform(logRatio))
            let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
            if w > 0 && h > 0 && w <= width && h <= height {
                return (generator.index(height - h + 1), generator.index(width - w + 1), h, w)
            }
        }
        let aspect = Float(width) / Float(height)
        var w = width, h = height
        if aspect < ratio.lowerBound {
            h = Int((Float(w) / ratio.lowerBound).rounded())
        } else if aspect > ratio.upperBound {
            w = Int((Float(h) * ratio.upperBound).rounded())
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }
}

/// Rotation by a random angle in `degrees` and translation by up to `translate` of the size
/// (torchvision's RandomAffine without shear/scale), about the centre, bilinear, `fill` outside.
public struct RandomAffine: Transform {
    public let degrees: ClosedRange<Float>, translate: (Float, Float), fill: Float

    public init(degrees: ClosedRange<Float>, translate: (Float, Float) = (0, 0), fill: Float = 0) {
        self.degrees = degrees
        self.translate = translate
        self.fill = fill
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        let angle = generator.uniform(degrees) * .pi / 180
        let maxX = translate.0 * Float(image.width), maxY = translate.1 * Float(image.height)
        let shiftX = (generator.uniform(-maxX...maxX)).rounded(), shiftY = (generator.uniform(-maxY...maxY)).rounded()
        return image.rotated(by: angle, shiftX: shiftX, shiftY: shiftY, fill: fill)
    }
}

extension RandomAffine {
    /// Rotation only, by a random angle in `degrees` (counter-clockwise for positive angles),
    /// as torchvision's RandomRotation.
    public static func rotation(degrees: ClosedRange<Float>, fill: Float = 0) -> RandomAffine {
        RandomAffine(degrees: degrees, fill: fill)
    }
}

extension ImageBuffer {
    /// Rotated counter-clockwise by `angle` radians about the centre, then shifted.
    func rotated(by angle: Float, shiftX: Float = 0, shiftY: Float = 0, fill: Float = 0) -> ImageBuffer {
        var result = ImageBuffer(channels: channels, height: height, width: width)
        let centerY = Float(height - 1) / 2, centerX = Float(width - 1) / 2
        let cosine = Foundation.cos(angle), sine = Foundation.sin(angle)
        for row in 0..<height {
            for column in 0..<width {
                // Inverse map: output pixel → source position.
                let dx = Float(column) - centerX - shiftX, dy = Float(row) - centerY - shiftY
                let sourceX = cosine * dx - sine * dy + centerX
                let sourceY = sine * dx + cosine * dy + centerY
                for channel in 0..<channels {
                    result[channel, row, column] = sample(channel, sourceY, sourceX, fill: fill)
                }
            }
        }
        return result
    }
}
