import Foundation
import Glean

/// What a checkpoint's metadata says about the model it holds.
public protocol CheckpointDescription {
    var metadata: [String: String] { get }
}

/// What the commands need to rebuild a saved model: the zoo name and width, its input
/// geometry and the per-channel normalisation, kept in checkpoint metadata. A classifier's
/// checkpoint also names its classes; an encoder's (`kind: encoder`, from `glean pretrain`)
/// gives its feature width in place of the class count.
public struct CheckpointInfo: CheckpointDescription, Equatable {
    public let model: String
    /// Classes of a classifier; features of an encoder.
    public let classCount: Int
    public let inputChannels: Int, imageSize: Int
    public let mean: [Float], std: [Float]
    /// Class names in label order (may be empty).
    public var classNames: [String] = []
    /// Base width of a ResNet (64 as in torchvision).
    public var width = 64
    /// Whether the checkpoint holds an encoder (the model without its classifier).
    public var isEncoder = false
    /// The classifier head (`glean finetune` may replace the zoo's linear one).
    public var head = ModelZoo.Head.linear

    public var metadata: [String: String] {
        ["model": model, (isEncoder ? "features" : "classes"): String(classCount), "input_channels": String(inputChannels),
         "image_size": String(imageSize), "mean": mean.map { String($0) }.joined(separator: ","),
         "std": std.map { String($0) }.joined(separator: ","), "width": String(width),
         "kind": isEncoder ? "encoder" : "classifier", "head": head.name,
         "class_names": String(decoding: (try? JSONSerialization.data(withJSONObject: classNames)) ?? Data("[]".utf8), as: UTF8.self)]
    }

    /// Reads the fields back; the error names the checkpoint and the missing or bad field.
    public init(metadata: [String: String], path: String) throws {
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw CheckpointError.corrupt(path: path, reason: "metadata lacks '\(key)' (was it written by glean? for a plain state dict give evaluate and predict --model and --class-names, finetune --encoder with --model)")
            }
            return value
        }
        func floats(_ key: String) throws -> [Float] {
            let values = try field(key).split(separator: ",").map { Float($0) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
                throw CheckpointError.corrupt(path: path, reason: "metadata '\(key)' is not a list of numbers")
            }
            return values.map { $0! }
        }
        let isEncoder = metadata["kind"] == "encoder"
        guard let classes = Int(try field(isEncoder ? "features" : "classes")), let channels = Int(try field("input_channels")),
              let size = Int(try field("image_size")) else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'classes', 'input_channels' or 'image_size' is not a number")
        }
        guard (1...ModelZoo.maximumClasses).contains(classes), (1...ModelZoo.maximumChannels).contains(channels),
              (1...ModelZoo.maximumImageSize).contains(size) else {
            throw CheckpointError.corrupt(path: path, reason: "metadata '\(isEncoder ? "features" : "classes")' \(classes), 'input_channels' \(channels) "
                                          + "or 'image_size' \(size) is outside 1...\(ModelZoo.maximumClasses), 1...\(ModelZoo.maximumChannels), 1...\(ModelZoo.maximumImageSize)")
        }
        let mean = try floats("mean"), std = try floats("std")
        guard mean.count == channels, std.count == channels, mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'mean'/'std' need \(channels) finite values (std > 0), got \(mean) and \(std)")
        }
        self.init(model: try field("model"), classCount: classes, inputChannels: channels, imageSize: size, mean: mean, std: std)
        self.isEncoder = isEncoder
        guard let width = Int(metadata["width"] ?? "64"), width > 0 else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'width' must be a positive number, got '\(metadata["width"] ?? "")'")
        }
        self.width = width
        guard let head = ModelZoo.Head(name: metadata["head"] ?? "linear") else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'head' must be 'linear', 'sigmoid' or 'mlp-<hidden>-<dropout>', got '\(metadata["head"] ?? "")'")
        }
        self.head = head
        if let text = metadata["class_names"] {
            guard let names = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String],
                  names.isEmpty || isEncoder || names.count == classes else {
                throw CheckpointError.corrupt(path: path, reason: "metadata 'class_names' must be a JSON list of \(isEncoder ? "" : "\(classes) ")strings, got '\(text.prefix(200))'")
            }
            classNames = names
        }
    }

    /// The name of class `index` (its number when names are unknown).
    public func name(of index: Int) -> String { index < classNames.count ? classNames[index] : String(index) }

    public init(model: String, classCount: Int, inputChannels: Int, imageSize: Int, mean: [Float], std: [Float],
         classNames: [String] = [], width: Int = 64, isEncoder: Bool = false, head: ModelZoo.Head = .linear) {
        self.classNames = classNames
        self.head = head
        self.width = width
        self.isEncoder = isEncoder
        self.model = model
        self.classCount = classCount
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        self.mean = mean
        self.std = std
    }

    /// Throws unless the checkpoint holds a classifier (not an encoder from `glean pretrain`).
    public func requireClassifier(_ checkpoint: String) throws {
        guard !isEncoder else {
            throw CheckpointError.corrupt(path: checkpoint, reason: "holds an encoder (features, no classifier): evaluate it with "
                                          + "glean linear-eval or glean knn-eval, or train a classifier on it with glean finetune")
        }
    }

    /// Throws unless `data` has the checkpoint's image geometry and class count.
    public func check(fits data: ImageDataset, checkpoint: String) throws {
        guard data.channels == inputChannels, data.height == imageSize, data.width == imageSize,
              data.classCount == classCount else {
            throw CheckpointError.corrupt(
                path: checkpoint,
                reason: "the model expects \(inputChannels)x\(imageSize)x\(imageSize) images of \(classCount) classes; the test split has "
                    + "\(data.channels)x\(data.height)x\(data.width) images of \(data.classCount) classes "
                    + "(keep the run's config.yaml next to the checkpoint or pass --data-dir)")
        }
    }

    /// Every image of `folder` (one sub-folder per class, a subset of this classifier's class
    /// names), converted to the model's channels and size, labeled by the checkpoint's class order.
    public func labeledFolder(_ folder: String) throws -> ImageDataset {
        let images = try ImageFolder.load(root: folder, channels: inputChannels, size: (imageSize, imageSize))
        let names = classNames.isEmpty ? (0..<classCount).map(String.init) : classNames
        let labels = try images.classNames.map { name -> Int in
            guard let label = names.firstIndex(of: name) else {
                throw SettingError(source: folder, key: "folder", reason: "has a class folder '\(name)' that is not one of the checkpoint's classes \(names)")
            }
            return label
        }
        return ImageDataset(pixels: images.pixels, labels: images.labels.map { labels[$0] }, channels: inputChannels, height: imageSize,
                            width: imageSize, classCount: classCount, classNames: names, sources: images.sources)
    }

    /// The zoo model (or encoder) with the weights of checkpoint `path` loaded, in eval mode;
    /// missing or unexpected tensors are named with the file.
    public func loadModel(from tensors: [String: StoredTensor], path: String) throws -> Module {
        var generator = RandomGenerator(seed: 0)
        let network = isEncoder
            ? try ModelZoo.makeEncoder(model, inputChannels: inputChannels, imageSize: imageSize, width: width,
                                       generator: &generator).module
            : try ModelZoo.make(model, classCount: classCount, inputChannels: inputChannels, imageSize: imageSize,
                                width: width, head: head, generator: &generator)
        try CheckpointError.naming(path) { try network.loadStateDict(tensors) }
        network.eval()
        return network
    }
}

