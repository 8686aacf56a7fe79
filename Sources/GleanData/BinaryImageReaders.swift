import Foundation

/// CIFAR-10/100 and STL-10 binary files.
public enum BinaryImageReader {
    /// Which CIFAR variant a file holds.
    public enum CIFARVariant: Sendable {
        /// One label byte per record, 10 classes.
        case cifar10
        /// A coarse and a fine label byte per record; the fine label (100 classes) is used.
        case cifar100
    }

    /// Reads CIFAR binary batch files (`data_batch_1.bin`..., `test_batch.bin`, `train.bin`, `test.bin`):
    /// records of label byte(s) then 3x32x32 channel-planar pixels.
    public static func cifar(files: [String], variant: CIFARVariant, classNames: [String] = []) throws -> ImageDataset {
        let labelBytes = variant == .cifar10 ? 1 : 2
        let imageBytes = 3 * 32 * 32
        let record = labelBytes + imageBytes
        var pixels: [UInt8] = [], labels: [Int] = []
        for path in files {
            let bytes = try CompressedFile.read(path)
            guard !bytes.isEmpty, bytes.count % record == 0 else {
                throw DataError.corrupt(path: path, reason: "size \(bytes.count) bytes is not a whole number of \(record)-byte CIFAR records")
            }
            let count = bytes.count / record
            pixels.reserveCapacity(pixels.count + count * imageBytes)
            for index in 0..<count {
                let start = index * record
                let label = Int(bytes[start + labelBytes - 1])
                let classes = variant == .cifar10 ? 10 : 100
                guard label < classes else {
                    throw DataError.corrupt(path: path, reason: "record \(index) has label \(label), expected 0..<\(classes)")
                }
                labels.append(label)
                pixels.append(contentsOf: bytes[(start + labelBytes) ..< (start + record)])
            }
        }
        return ImageDataset(pixels: pixels, labels: labels, channels: 3, height: 32, width: 32,
                            classCount: variant == .cifar10 ? 10 : 100, classNames: classNames)
    }

    /// An STL-10 image file (`train_X.bin`, `test_X.bin`: 3x96x96 images stored column-major per
    /// channel) with its label file (`*_y.bin`, labels 1–10, returned as 0–9). Images are returned
    /// row-major.
    public static func stl10(images imagesPath: String, labels labelsPath: String) throws -> ImageDataset {
        let pixels = try stl10Pixels(imagesPath)
        let labelBytes = try CompressedFile.read(labelsPath)
        let count = pixels.count / (3 * 96 * 96)
        guard labelBytes.count == count else {
            throw DataError.mismatch(path: labelsPath, reason: "holds \(labelBytes.count) labels but \(imagesPath) holds \(count) images")
        }
        let labels = try labelBytes.enumerated().map { index, byte -> Int in
            guard (1...10).contains(byte) else {
                throw DataError.corrupt(path: labelsPath, reason: "label \(byte) at position \(index), expected 1–10")
            }
            return Int(byte) - 1
        }
        return ImageDataset(pixels: pixels, labels: labels, channels: 3, height: 96, width: 96, classCount: 10,
                            classNames: stl10ClassNames)
    }

    /// STL-10's unlabeled split (or any image file without labels): every label is 0.
    public static func unlabeledSTL10(images path: String) throws -> ImageDataset {
        let pixels = try stl10Pixels(path)
        return ImageDataset(pixels: pixels, labels: [Int](repeating: 0, count: pixels.count / (3 * 96 * 96)),
                            channels: 3, height: 96, width: 96, classCount: 10, classNames: stl10ClassNames)
    }

    /// STL-10's predefined training folds (`fold_indices.txt`: ten lines of 0-based indices).
    public static func stl10Folds(_ path: String, imageCount: Int) throws -> [[Int]] {
        let bytes = try CompressedFile.read(path)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DataError.corrupt(path: path, reason: "not UTF-8 text")
        }
        return try text.split(whereSeparator: \.isNewline).enumerated().map { line, content in
            try content.split(whereSeparator: \.isWhitespace).map { token in
                guard let index = Int(token), index >= 0, index < imageCount else {
                    throw DataError.corrupt(path: path, reason: "line \(line + 1): '\(token)' is not an index in 0..<\(imageCount)")
                }
                return index
            }
        }
    }

    public static let stl10ClassNames = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]

    private static func stl10Pixels(_ path: String) throws -> [UInt8] {
        let bytes = try CompressedFile.read(path)
        let imageBytes = 3 * 96 * 96
        guard !bytes.isEmpty, bytes.count % imageBytes == 0 else {
            throw DataError.corrupt(path: path, reason: "size \(bytes.count) bytes is not a whole number of 3x96x96 STL-10 images")
        }
        // Transpose each channel plane from column-major to row-major.
        var pixels = [UInt8](repeating: 0, count: bytes.count)
        bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for plane in 0 ..< bytes.count / (96 * 96) {
                    let base = plane * 96 * 96
                    for column in 0..<96 {
                        for row in 0..<96 { target[base + row * 96 + column] = source[base + column * 96 + row] }
                    }
                }
            }
        }
        return pixels
    }
}
