import Foundation
import Glean
import GleanConfig
import GleanExperiments
import ArgumentParser

/// What a plain state dict (torchvision's or timm's safetensors: weights, no Glean metadata)
/// needs said on the command line before `evaluate` or `predict` can use it. Ignored for
/// checkpoints that Glean wrote (their metadata says all of it).
struct PlainCheckpointOptions: ParsableArguments {
    @Option(help: "Plain state dict: the zoo model its weights fit (e.g. resnet18).") var model: String?
    @Option(help: "Plain state dict: class names, comma-separated, or a file with one per line.") public var classNames: String?
    @Option(help: "Plain state dict: input image size in pixels.") public var imageSize = 224
    @Option(help: "Plain state dict: input channels.") public var channels = 3
    @Option(help: "Plain state dict: ResNet base width.") public var width = 64
    @Option(help: "Plain state dict: per-channel normalisation mean, comma-separated (default: ImageNet's for 3 channels, 0.5 for 1).")
    public var mean: String?
    @Option(help: "Plain state dict: per-channel normalisation std, comma-separated (default: ImageNet's for 3 channels, 0.5 for 1).")
    public var std: String?

    /// The checkpoint's own description when its metadata names a model, else one built from
    /// these options (which then must name the model and the classes).
    func info(metadata: [String: String], checkpoint: String) throws -> CheckpointInfo {
        guard metadata["model"] == nil, let model else { return try CheckpointInfo(metadata: metadata, path: checkpoint) }
        guard let classNames else {
            throw ExperimentError("\(checkpoint) is a plain state dict: give --class-names (with --model \(model))")
        }
        let names = try Self.names(classNames)
        let defaults: ([Float], [Float]) = channels == 3 ? ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
            : ([Float](repeating: 0.5, count: channels), [Float](repeating: 0.5, count: channels))
        return try CheckpointInfo(metadata: [
            "model": model, "classes": String(names.count), "input_channels": String(channels), "image_size": String(imageSize),
            "width": String(width), "mean": mean ?? defaults.0.map { String($0) }.joined(separator: ","),
            "std": std ?? defaults.1.map { String($0) }.joined(separator: ","),
            "class_names": String(decoding: try JSONSerialization.data(withJSONObject: names), as: UTF8.self),
        ], path: "the plain-state-dict options for \(checkpoint)")
    }

    /// Names from a comma-separated list, or from a file of one name per line.
    private static func names(_ text: String) throws -> [String] {
        let lines: [String]
        if FileManager.default.fileExists(atPath: text) {
            guard let data = FileManager.default.contents(atPath: text), data.count <= 1 << 20,
                  let content = String(data: data, encoding: .utf8) else {
                throw ExperimentError("--class-names \(text): not a UTF-8 text file of at most 1 MiB")
            }
            lines = content.split(whereSeparator: \.isNewline).map(String.init)
        } else {
            lines = text.split(separator: ",").map(String.init)
        }
        let names = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard names.count >= 2, Set(names).count == names.count else {
            throw ExperimentError("--class-names must give at least two distinct names, got \(names)")
        }
        return names
    }
}
