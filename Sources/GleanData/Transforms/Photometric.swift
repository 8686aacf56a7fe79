import Foundation
import GleanTensor

/// torchvision's ColorJitter: brightness, contrast, saturation and hue changed by random factors
/// (`1 ± amount`; hue shifted by up to ±`hue` of a turn), applied in a random order.
/// Saturation and hue need RGB; on gray images they do nothing.
public struct ColorJitter: Transform {
    public let brightness: Float, contrast: Float, saturation: Float, hue: Float

    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, hue: Float = 0) {
        require(brightness >= 0 && contrast >= 0 && saturation >= 0 && hue >= 0 && hue <= 0.5,
                     "ColorJitter: amounts must be >= 0 and hue <= 0.5")
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        var result = image
        for step in [0, 1, 2, 3].shuffled(using: &generator) {
            switch step {
            case 0 where brightness > 0:
                Photometric.brightness(&result, factor: generator.uniform(max(0, 1 - brightness)...(1 + brightness)))
            case 1 where contrast > 0:
                Photometric.contrast(&result, factor: generator.uniform(max(0, 1 - contrast)...(1 + contrast)))
            case 2 where saturation > 0:
                Photometric.saturation(&result, factor: generator.uniform(max(0, 1 - saturation)...(1 + saturation)))
            case 3 where hue > 0:
                Photometric.hueShift(&result, by: generator.uniform(-hue...hue))
            default:
                break
            }
        }
        return result
    }
}

/// Converts to gray (kept as the same number of channels) with probability `probability`.
public struct RandomGrayscale: Transform {
    public let probability: Float
    public init(probability: Float = 0.1) { self.probability = probability }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        guard generator.nextUniform() < probability, image.channels >= 3 else { return image }
        let gray = image.luminance()
        return ImageBuffer(channels: image.channels, height: image.height, width: image.width,
                           values: (0..<image.channels).flatMap { _ in gray })
    }
}

/// Gaussian blur with σ drawn from `sigma`, kernel `kernelSize` (odd), reflected edges.
public struct GaussianBlur: Transform {
    public let kernelSize: Int, sigma: ClosedRange<Float>
    public init(kernelSize: Int, sigma: ClosedRange<Float> = 0.1...2) {
        require(kernelSize > 0 && kernelSize % 2 == 1 && sigma.lowerBound > 0,
                     "GaussianBlur: kernel size \(kernelSize) must be odd and positive, sigma positive")
        self.kernelSize = kernelSize
        self.sigma = sigma
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        let s = generator.uniform(sigma), half = kernelSize / 2
        var weights = (-half...half).map { Foundation.exp(-Float($0 * $0) / (2 * s * s)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            var p = i
            while p < 0 || p >= n { p = p < 0 ? -p : 2 * (n - 1) - p }
            return p
        }
        var horizontal = image, result = image
        for c in 0..<image.channels {
            for y in 0..<image.height {
                for x in 0..<image.width {
                    var sum: Float = 0
                    for k in -half...half { sum += weights[k + half] * image[c, y, reflect(x + k, image.width)] }
                    horizontal[c, y, x] = sum
                }
            }
            for y in 0..<image.height {
                for x in 0..<image.width {
                    var sum: Float = 0
                    for k in -half...half { sum += weights[k + half] * horizontal[c, reflect(y + k, image.height), x] }
                    result[c, y, x] = sum
                }
            }
        }
        return result
    }
}

/// torchvision's RandomErasing (cutout): with probability `probability`, a rectangle covering a
/// `scale` fraction of the area with aspect ratio in `ratio` is set to `value`.
public struct RandomErasing: Transform {
    public let probability: Float, scale: ClosedRange<Float>, ratio: ClosedRange<Float>, value: Float

    public init(probability: Float = 0.5, scale: ClosedRange<Float> = 0.02...0.33,
                ratio: ClosedRange<Float> = 0.3...3.3, value: Float = 0) {
        self.probability = probability
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        guard generator.nextUniform() < probability else { return image }
        let area = Float(image.height * image.width)
        let logRatio = Foundation.log(ratio.lowerBound)...Foundation.log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * generator.uniform(scale), aspect = Foundation.exp(generator.uniform(logRatio))
            let h = Int((target * aspect).squareRoot().rounded()), w = Int((target / aspect).squareRoot().rounded())
            guard h > 0, w > 0, h < image.height, w < image.width else { continue }
            let top = generator.index(image.height - h + 1), left = generator.index(image.width - w + 1)
            var result = image
            for c in 0..<image.channels {
                for y in top ..< top + h { for x in left ..< left + w { result[c, y, x] = value } }
            }
            return result
        }
        return image
    }
}

/// The photometric operations behind ColorJitter and RandAugment, on [0, 1] images.
public enum Photometric {
    /// `x · factor`, clamped to [0, 1].
    public static func brightness(_ image: ImageBuffer, factor: Float) -> ImageBuffer {
        var result = image
        brightness(&result, factor: factor)
        return result
    }

    static func brightness(_ result: inout ImageBuffer, factor: Float) {
        result.values.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = min(max(values[i] * factor, 0), 1) }
        }
    }

    /// Blend with the mean luminance (torchvision's adjust_contrast).
    public static func contrast(_ image: ImageBuffer, factor: Float) -> ImageBuffer {
        var result = image
        contrast(&result, factor: factor)
        return result
    }

    static func contrast(_ result: inout ImageBuffer, factor: Float) {
        let gray = result.luminance()
        let offset = gray.reduce(0, +) / Float(max(gray.count, 1)) * (1 - factor)
        result.values.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = min(max(values[i] * factor + offset, 0), 1) }
        }
    }

    /// Blend with the luminance image (torchvision's adjust_saturation).
    public static func saturation(_ image: ImageBuffer, factor: Float) -> ImageBuffer {
        var result = image
        saturation(&result, factor: factor)
        return result
    }

    static func saturation(_ result: inout ImageBuffer, factor: Float) {
        guard result.channels >= 3 else { return }
        let gray = result.luminance()
        let plane = result.height * result.width, channels = result.channels
        result.values.withUnsafeMutableBufferPointer { values in
            gray.withUnsafeBufferPointer { gray in
                for channel in 0..<channels {
                    let base = values.baseAddress! + channel * plane
                    for p in 0..<plane { base[p] = min(max(base[p] * factor + gray[p] * (1 - factor), 0), 1) }
                }
            }
        }
    }

    /// Rotates the hue by `shift` turns (−0.5...0.5) in HSV space.
    public static func hueShift(_ image: ImageBuffer, by shift: Float) -> ImageBuffer {
        var result = image
        hueShift(&result, by: shift)
        return result
    }

    static func hueShift(_ result: inout ImageBuffer, by shift: Float) {
        guard result.channels >= 3 else { return }
        let plane = result.height * result.width
        result.values.withUnsafeMutableBufferPointer { values in
            let red = values.baseAddress!, green = red + plane, blue = green + plane
            // RGB → HSV hue, shift, and back with the branch-free form of HSV → RGB:
            // channel(n) = v − v·s·clamp(min(k, 4 − k), 0, 1), k = (n + 6h) mod 6, n = 5, 3, 1.
            for p in 0..<plane {
                let r = red[p], g = green[p], b = blue[p]
                let high = max(r, g, b), low = min(r, g, b), delta = high - low
                let safeDelta = delta > 0 ? delta : 1
                let sector = high == r ? (g - b) / safeDelta : (high == g ? 2 + (b - r) / safeDelta : 4 + (r - g) / safeDelta)
                var hue = sector / 6 + shift
                hue -= hue.rounded(.down)
                let chroma = delta   // v·s
                let h6 = hue * 6
                @inline(__always) func channel(_ n: Float) -> Float {
                    var k = n + h6
                    if k >= 6 { k -= 6 }
                    return high - chroma * min(max(min(k, 4 - k), 0), 1)
                }
                red[p] = channel(5)
                green[p] = channel(3)
                blue[p] = channel(1)
            }
        }
    }

    /// Inverts values at or above `threshold`.
    public static func solarize(_ image: ImageBuffer, threshold: Float) -> ImageBuffer {
        var result = image
        for i in result.values.indices where result.values[i] >= threshold { result.values[i] = 1 - result.values[i] }
        return result
    }

    /// Keeps the top `bits` bits of each 8-bit value.
    public static func posterize(_ image: ImageBuffer, bits: Int) -> ImageBuffer {
        let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - max(1, min(bits, 8))))
        var result = image
        for i in result.values.indices {
            result.values[i] = Float(UInt8((result.values[i] * 255).rounded()) & mask) / 255
        }
        return result
    }

    /// Stretches each channel to the full [0, 1] range.
    public static func autocontrast(_ image: ImageBuffer) -> ImageBuffer {
        var result = image
        let plane = image.height * image.width
        for c in 0..<image.channels {
            let values = image.values[c * plane ..< (c + 1) * plane]
            guard let low = values.min(), let high = values.max(), high > low else { continue }
            for i in c * plane ..< (c + 1) * plane { result.values[i] = (image.values[i] - low) / (high - low) }
        }
        return result
    }

    /// Histogram equalisation per channel on 256 levels (PIL's ImageOps.equalize).
    public static func equalize(_ image: ImageBuffer) -> ImageBuffer {
        var result = image
        let plane = image.height * image.width
        for c in 0..<image.channels {
            let levels = (c * plane ..< (c + 1) * plane).map { Int((image.values[$0] * 255).rounded()) }
            var histogram = [Int](repeating: 0, count: 256)
            levels.forEach { histogram[$0] += 1 }
            let nonZero = histogram.filter { $0 > 0 }
            let step = (nonZero.reduce(0, +) - (nonZero.last ?? 0)) / 255
            guard step > 0 else { continue }
            var lookup = [Int](repeating: 0, count: 256), running = step / 2
            for level in 0..<256 {
                lookup[level] = min(running / step, 255)
                running += histogram[level]
            }
            for (offset, level) in levels.enumerated() { result.values[c * plane + offset] = Float(lookup[level]) / 255 }
        }
        return result
    }

    /// Blend with a smoothed copy (3x3 kernel 1-1-1/1-5-1/1-1-1 over 13): factor > 1 sharpens.
    public static func sharpness(_ image: ImageBuffer, factor: Float) -> ImageBuffer {
        guard image.height > 2, image.width > 2 else { return image }
        var smooth = image
        for c in 0..<image.channels {
            for y in 1 ..< image.height - 1 {
                for x in 1 ..< image.width - 1 {
                    var sum: Float = 4 * image[c, y, x]
                    for dy in -1...1 { for dx in -1...1 { sum += image[c, y + dy, x + dx] } }
                    smooth[c, y, x] = sum / 13
                }
            }
        }
        return image.blended(with: smooth.values, factor: factor)
    }
}
