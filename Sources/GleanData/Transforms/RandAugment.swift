import Foundation
import GleanTensor

/// RandAugment (Cubuk et al.): `count` operations drawn uniformly from 14, each at magnitude
/// `magnitude` of 30 (torchvision's ranges: rotate ±30°, shear ±0.3, translate ±45% ·
/// 150/331 of the size, colour/contrast/brightness/sharpness factor 1 ± 0.9, posterize to
/// 8 − 4·m/30 bits, solarize threshold 1 − m/30), with a random sign where it applies.
public struct RandAugment: Transform {
    public enum Operation: CaseIterable, Sendable {
        case identity, shearX, shearY, translateX, translateY, rotate, brightness, color, contrast, sharpness
        case posterize, solarize, autocontrast, equalize
    }

    public let count: Int, magnitude: Int

    public init(count: Int = 2, magnitude: Int = 9) {
        require(count >= 0 && (0...30).contains(magnitude), "RandAugment: count \(count) >= 0, magnitude \(magnitude) in 0...30")
        self.count = count
        self.magnitude = magnitude
    }

    public func apply(_ image: ImageBuffer, generator: inout RandomGenerator) -> ImageBuffer {
        var result = image
        for _ in 0..<count {
            let operation = Operation.allCases[generator.index(Operation.allCases.count)]
            let sign: Float = generator.nextUniform() < 0.5 ? -1 : 1
            result = Self.apply(operation, to: result, level: Float(magnitude) / 30, sign: sign)
        }
        return result
    }

    /// One operation at `level` (0...1 of its range) with direction `sign`.
    public static func apply(_ operation: Operation, to image: ImageBuffer, level: Float, sign: Float) -> ImageBuffer {
        switch operation {
        case .identity: return image
        case .shearX: return image.sheared(x: sign * 0.3 * level, y: 0)
        case .shearY: return image.sheared(x: 0, y: sign * 0.3 * level)
        case .translateX: return image.rotated(by: 0, shiftX: (sign * 150 / 331 * Float(image.width) * level).rounded())
        case .translateY: return image.rotated(by: 0, shiftY: (sign * 150 / 331 * Float(image.height) * level).rounded())
        case .rotate: return image.rotated(by: sign * 30 * level * .pi / 180)
        case .brightness: return Photometric.brightness(image, factor: 1 + sign * 0.9 * level)
        case .color: return Photometric.saturation(image, factor: 1 + sign * 0.9 * level)
        case .contrast: return Photometric.contrast(image, factor: 1 + sign * 0.9 * level)
        case .sharpness: return Photometric.sharpness(image, factor: 1 + sign * 0.9 * level)
        case .posterize: return Photometric.posterize(image, bits: 8 - Int(4 * level))
        case .solarize: return Photometric.solarize(image, threshold: 1 - level)
        case .autocontrast: return Photometric.autocontrast(image)
        case .equalize: return Photometric.equalize(image)
        }
    }
}

extension ImageBuffer {
    /// Sheared about the centre: output (x, y) reads source (x + x·0 + sx·(y − cy), y + sy·(x − cx)).
    func sheared(x shearX: Float, y shearY: Float) -> ImageBuffer {
        var result = ImageBuffer(channels: channels, height: height, width: width)
        let centerY = Float(height - 1) / 2, centerX = Float(width - 1) / 2
        for row in 0..<height {
            for column in 0..<width {
                let sourceX = Float(column) + shearX * (Float(row) - centerY)
                let sourceY = Float(row) + shearY * (Float(column) - centerX)
                for channel in 0..<channels { result[channel, row, column] = sample(channel, sourceY, sourceX) }
            }
        }
        return result
    }
}
