import Foundation

/// MNIST-family IDX files (`*-images-idx3-ubyte[.gz]`, `*-labels-idx1-ubyte[.gz]`).
public enum IDXReader {
    /// Debian's `dataset-fashion-mnist` location, used when no directory is given and
    /// `GLEAN_FASHION_MNIST` is unset.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Fashion-MNIST's class names.
    public static let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                                "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The directory to read Fashion-MNIST from: `directory`, else `$GLEAN_FASHION_MNIST`, else Debian's.
    public static func fashionMNISTDirectory(_ directory: String? = nil) -> String {
        directory ?? ProcessInfo.processInfo.environment["GLEAN_FASHION_MNIST"] ?? defaultFashionMNISTDirectory
    }

    /// Class names of a generic IDX set: the lines of `classes.txt` in `directory` (blank lines
    /// skipped), or none when the file is absent (classes are then numbered).
    public static func classNames(directory: String) throws -> [String] {
        let path = (directory as NSString).appendingPathComponent("classes.txt")
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20,
              let text = String(data: data, encoding: .utf8) else {
            throw DataError.unreadable(path: path, reason: "not a UTF-8 text file of at most 1 MiB")
        }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard Set(names).count == names.count, !names.isEmpty else {
            throw DataError.corrupt(path: path, reason: "must list each class name once, one per line")
        }
        return names
    }

    /// Loads the `train` or `t10k` split of an MNIST-style directory.
    public static func loadSplit(directory: String, split: String, classNames: [String] = []) throws -> ImageDataset {
        let imagesPath = try locate(directory, "\(split)-images-idx3-ubyte")
        let labelsPath = try locate(directory, "\(split)-labels-idx1-ubyte")
        let (images, imageDims) = try readIDX(imagesPath, expectedDimensions: 3)
        let (labelBytes, labelDims) = try readIDX(labelsPath, expectedDimensions: 1)
        guard imageDims[0] == labelDims[0] else {
            throw DataError.mismatch(path: labelsPath, reason: "holds \(labelDims[0]) labels but \(imagesPath) holds \(imageDims[0]) images")
        }
        let labels = labelBytes.map(Int.init)
        if !classNames.isEmpty, let index = labels.firstIndex(where: { $0 >= classNames.count }) {
            throw DataError.corrupt(path: labelsPath, reason: "label \(labels[index]) at position \(index) is outside the \(classNames.count) classes (0–\(classNames.count - 1))")
        }
        let classCount = max(classNames.count, (labels.max() ?? -1) + 1)
        return ImageDataset(pixels: images, labels: labels, channels: 1, height: imageDims[1], width: imageDims[2],
                            classCount: classCount, classNames: classNames)
    }

    /// Fashion-MNIST's training (60,000) and test (10,000) splits.
    public static func fashionMNIST(directory: String? = nil) throws -> (train: ImageDataset, test: ImageDataset) {
        let root = fashionMNISTDirectory(directory)
        guard FileManager.default.fileExists(atPath: root) else {
            throw DataError.fileNotFound(path: root, hint: "Install Debian's dataset-fashion-mnist package (scripts/setup.sh does), or pass --data-dir / set GLEAN_FASHION_MNIST.")
        }
        return (try loadSplit(directory: root, split: "train", classNames: fashionMNISTClassNames),
                try loadSplit(directory: root, split: "t10k", classNames: fashionMNISTClassNames))
    }

    private static func locate(_ directory: String, _ stem: String) throws -> String {
        for candidate in [stem + ".gz", stem, stem.replacingOccurrences(of: "-idx", with: ".idx")] {
            let path = (directory as NSString).appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw DataError.fileNotFound(path: (directory as NSString).appendingPathComponent(stem + ".gz"),
                                     hint: "Expected an MNIST-style IDX file (optionally gzipped).")
    }

    /// Parses an unsigned-byte IDX file; returns the payload and the dimensions.
    public static func readIDX(_ path: String, expectedDimensions: Int) throws -> ([UInt8], [Int]) {
        let bytes = try CompressedFile.read(path)
        guard bytes.count >= 4 else { throw DataError.corrupt(path: path, reason: "too short for an IDX header (\(bytes.count) bytes)") }
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            throw DataError.corrupt(path: path, reason: String(format: "wrong IDX magic number 0x%02x%02x%02x%02x (expected 0x000008%02x: unsigned bytes)",
                                                                bytes[0], bytes[1], bytes[2], bytes[3], expectedDimensions))
        }
        let dimensions = Int(bytes[3])
        guard dimensions == expectedDimensions else {
            throw DataError.corrupt(path: path, reason: "has \(dimensions) dimensions, expected \(expectedDimensions)")
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else { throw DataError.corrupt(path: path, reason: "truncated IDX header") }
        let dims = (0..<dimensions).map { axis -> Int in
            let at = 4 + 4 * axis
            return Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        guard let expected = DataLimits.product(dims, limit: DataLimits.fileBytes) else {
            throw DataError.corrupt(path: path, reason: "header dimensions \(dims) need more than the limit of \(DataLimits.fileBytes) bytes")
        }
        guard bytes.count - headerSize == expected else {
            throw DataError.corrupt(path: path, reason: "payload has \(bytes.count - headerSize) bytes, header \(dims) needs \(expected)")
        }
        return (Array(bytes[headerSize...]), dims)
    }
}
