import Foundation
import GleanTensor

/// A directory tree with one sub-folder per class holding PNG/JPEG images
/// (`root/cat/001.jpg`, `root/dog/a.png`, ...), as torchvision's ImageFolder. Classes are the
/// sub-folder names in sorted order. A folder of images without sub-folders is read as one
/// class named `unlabeled` (for self-supervised pretraining).
public enum ImageFolder {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The sub-folders of a root laid out in splits as torchvision's datasets are
    /// (`root/train/<class>/…`, `root/val/<class>/…` or `valid/`, `root/test/<class>/…`): nil
    /// unless `train/` and at least one of the others exist.
    public static func splitFolders(root: String) -> (train: String, validation: String?, test: String?)? {
        func folder(_ names: [String]) -> String? {
            names.map { root + "/" + $0 }.first { path in
                var isFolder: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            }
        }
        guard let train = folder(["train"]) else { return nil }
        let validation = folder(["val", "valid", "validation"]), test = folder(["test"])
        return validation == nil && test == nil ? nil : (train, validation, test)
    }

    /// Every PNG or JPEG file under `root` (sub-folders included, hidden ones skipped), sorted.
    public static func imageFiles(root: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.fileNotFound(path: root, hint: "Expected a folder of PNG or JPEG images.")
        }
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  imageExtensions.contains((relative as NSString).pathExtension.lowercased()) else { continue }
            files.append(root + "/" + relative)
        }
        guard !files.isEmpty else { throw DataError.corrupt(path: root, reason: "holds no PNG or JPEG images") }
        return files.sorted()
    }

    /// Loads every image, converted to `channels` (1 = gray, 3 = RGB; nil = 1 when every file
    /// is grayscale, else 3) and, if `size` is given, resized to it (height, width); otherwise
    /// all images must share the first one's size. Files that are not images are skipped with a
    /// call to `warn` naming them.
    public static func load(root: String, channels requested: Int? = nil, size: (height: Int, width: Int)? = nil,
                            warn: (String) -> Void = { print("warning: \($0)") }) throws -> ImageDataset {
        require(requested == nil || requested == 1 || requested == 3, "ImageFolder: channels must be 1 or 3, got \(requested!)")
        let channels = requested ?? 3
        var allGray = true
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.fileNotFound(path: root, hint: "Expected a folder with one sub-folder per class.")
        }
        let classNames = try manager.contentsOfDirectory(atPath: root).filter { name in
            var directory: ObjCBool = false
            return !name.hasPrefix(".") && manager.fileExists(atPath: root + "/" + name, isDirectory: &directory) && directory.boolValue
        }.sorted()
        let looseImages = try manager.contentsOfDirectory(atPath: root)
            .filter { !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        if !classNames.isEmpty && !looseImages.isEmpty {
            warn("\(root): \(looseImages.count) images outside the class sub-folders are skipped (e.g. \(looseImages.sorted()[0]))")
        }
        guard !classNames.isEmpty || !looseImages.isEmpty else {
            throw DataError.corrupt(path: root, reason: "has no class sub-folders and no PNG or JPEG images")
        }
        let groups = classNames.isEmpty ? [("unlabeled", root)] : classNames.map { ($0, root + "/" + $0) }
        var pixels: [UInt8] = [], labels: [Int] = [], sources: [String] = []
        var imageSize = size
        for (label, (_, folder)) in groups.enumerated() {
            var found = 0
            for file in try manager.contentsOfDirectory(atPath: folder).sorted() where !file.hasPrefix(".") {
                let path = folder + "/" + file
                var isSubfolder: ObjCBool = false
                if classNames.isEmpty && manager.fileExists(atPath: path, isDirectory: &isSubfolder) && isSubfolder.boolValue { continue }
                guard imageExtensions.contains((file as NSString).pathExtension.lowercased()) else {
                    warn("\(path): not a PNG or JPEG file name, skipped")
                    continue
                }
                let decoded = try ImageDecoder.decode(path: path)
                allGray = allGray && decoded.channels == 1
                var image = ImageBuffer(decoded: decoded, channels: channels)
                if let target = imageSize {
                    if size == nil && (image.height != target.height || image.width != target.width) {
                        throw DataError.mismatch(path: path, reason: "is \(image.height)x\(image.width) but earlier images are \(target.height)x\(target.width); pass a size to resize them all")
                    }
                    image = image.resized(height: target.height, width: target.width)
                } else {
                    imageSize = (image.height, image.width)
                }
                pixels += image.bytes
                labels.append(label)
                sources.append(path)
                found += 1
            }
            guard found > 0 else { throw DataError.corrupt(path: folder, reason: "class folder holds no PNG or JPEG images") }
        }
        let (height, width) = imageSize!
        let keptChannels = requested == nil && allGray ? 1 : channels
        if keptChannels < channels {
            // Every file was gray: keep one of the three equal planes of each image.
            let plane = height * width
            pixels = (0..<labels.count).flatMap { pixels[($0 * 3 * plane) ..< ($0 * 3 * plane + plane)] }
        }
        return ImageDataset(pixels: pixels, labels: labels, channels: keptChannels, height: height, width: width,
                            classCount: groups.count, classNames: groups.map(\.0), sources: sources)
    }
}

extension ImageBuffer {
    /// A planar [0, 1] image from decoded pixels, converted to `channels`: gray is repeated for
    /// RGB, RGB becomes gray with ITU-R 601 weights (as Pillow's "L"), alpha is dropped.
    public init(decoded: DecodedImage, channels: Int) {
        let plane = decoded.width * decoded.height
        var values = [Float](repeating: 0, count: channels * plane)
        let source = decoded.pixels, stride = decoded.channels
        for p in 0..<plane {
            let base = p * stride
            if channels == 1 {
                values[p] = stride >= 3
                    ? (0.299 * Float(source[base]) + 0.587 * Float(source[base + 1]) + 0.114 * Float(source[base + 2])) / 255
                    : Float(source[base]) / 255
            } else {
                for c in 0..<channels { values[c * plane + p] = Float(source[base + (stride >= 3 ? c : 0)]) / 255 }
            }
        }
        self.init(channels: channels, height: decoded.height, width: decoded.width, values: values)
    }
}
