import Foundation
import Glean

/// What `glean evaluate` and `glean predict` need to rebuild a trained model: the zoo name,
/// its input geometry and the per-channel normalisation, kept in checkpoint metadata.
struct CheckpointInfo: Equatable {
    let model: String
    let classCount: Int, inputChannels: Int, imageSize: Int
    let mean: [Float], std: [Float]
    /// Class names in label order (may be empty).
    var classNames: [String] = []

    var metadata: [String: String] {
        ["model": model, "classes": String(classCount), "input_channels": String(inputChannels),
         "image_size": String(imageSize), "mean": mean.map { String($0) }.joined(separator: ","),
         "std": std.map { String($0) }.joined(separator: ","),
         "class_names": String(decoding: (try? JSONSerialization.data(withJSONObject: classNames)) ?? Data("[]".utf8), as: UTF8.self)]
    }

    /// Reads the fields back; the error names the checkpoint and the missing or bad field.
    init(metadata: [String: String], path: String) throws {
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw CheckpointError.corrupt(path: path, reason: "metadata lacks '\(key)' (was it written by glean train?)")
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
        guard let classes = Int(try field("classes")), let channels = Int(try field("input_channels")),
              let size = Int(try field("image_size")) else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'classes', 'input_channels' or 'image_size' is not a number")
        }
        let mean = try floats("mean"), std = try floats("std")
        guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 }) else {
            throw CheckpointError.corrupt(path: path, reason: "metadata 'mean'/'std' need \(channels) values (std > 0), got \(mean) and \(std)")
        }
        self.init(model: try field("model"), classCount: classes, inputChannels: channels, imageSize: size, mean: mean, std: std)
        classNames = metadata["class_names"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? []
    }

    /// The name of class `index` (its number when names are unknown).
    func name(of index: Int) -> String { index < classNames.count ? classNames[index] : String(index) }

    init(model: String, classCount: Int, inputChannels: Int, imageSize: Int, mean: [Float], std: [Float],
         classNames: [String] = []) {
        self.classNames = classNames
        self.model = model
        self.classCount = classCount
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        self.mean = mean
        self.std = std
    }

    /// Throws unless `data` has the checkpoint's image geometry and class count.
    func check(fits data: ImageDataset, checkpoint: String) throws {
        guard data.channels == inputChannels, data.height == imageSize, data.width == imageSize,
              data.classCount == classCount else {
            throw CheckpointError.corrupt(
                path: checkpoint,
                reason: "the model expects \(inputChannels)x\(imageSize)x\(imageSize) images of \(classCount) classes; the test split has "
                    + "\(data.channels)x\(data.height)x\(data.width) images of \(data.classCount) classes "
                    + "(keep the run's config.yaml next to the checkpoint or pass --data-dir)")
        }
    }

    /// The zoo model with the checkpoint's weights loaded.
    func loadModel(from tensors: [String: StoredTensor]) throws -> Module {
        var generator = RandomGenerator(seed: 0)
        let network = try ModelZoo.make(model, classCount: classCount, inputChannels: inputChannels,
                                        imageSize: imageSize, generator: &generator)
        try network.loadStateDict(tensors)
        network.eval()
        return network
    }
}
