import Foundation
import GleanConfig
import Glean

/// Which encoder an evaluation or fine-tuning command starts from: a checkpoint (an encoder
/// from `glean pretrain`, or any classifier checkpoint whose head is dropped) or `random`, a
/// freshly initialised encoder of `--model`/`--width` (the baseline).
public struct EncoderOptions: Equatable {
    public var encoder = ""

    /// Options starting from `encoder` (a checkpoint path, `random`, or empty: not set).
    public init(encoder: String = "") { self.encoder = encoder }

    public static let options: [OptionSpec<EncoderOptions>] = [
        .value("encoder", \.encoder, "Encoder checkpoint (encoder.safetensors from glean pretrain, or a classifier's best.safetensors) or 'random' for a freshly initialised --model."),
    ]

    public func validate(source: String) throws {
        try check(!encoder.isEmpty, source, "encoder", "is required: a checkpoint path, or 'random' for the untrained baseline")
    }

    /// The encoder, its description, and the model options that rebuild it (from the
    /// checkpoint's metadata, or `model` for `random`). Throws when the checkpoint or its
    /// geometry does not fit `channels` x `imageSize` images, naming the file and the tensor.
    public func load(model: ModelOptions, channels: Int, imageSize: Int, seed: UInt64)
        throws -> (encoder: ModelZoo.Encoder, model: ModelOptions, description: String) {
        guard encoder != "random" else {
            return (try model.makeEncoder(channels: channels, imageSize: imageSize, seed: seed), model,
                    "randomly initialised \(model.model.rawValue) (width \(model.width), seed \(seed))")
        }
        let (tensors, metadata) = try SafeTensors.read(encoder)
        guard metadata["model"] != nil else {
            // A plain state dict (torchvision, timm): the architecture comes from --model/--width.
            let built = try model.makeEncoder(channels: channels, imageSize: imageSize, seed: seed)
            try load(tensors.filter { !$0.key.hasPrefix(built.headPrefix) }, into: built, what: "\(model.model.rawValue) encoder of width \(model.width)")
            return (built, model, "\(model.model.rawValue) (width \(model.width)) state dict from \(encoder)")
        }
        let info = try CheckpointInfo(metadata: metadata, path: encoder)
        // ResNets pool their whole feature map, so their weights read images of any size.
        let sizeFits = info.imageSize == imageSize || (ModelZoo.Name(rawValue: info.model)?.isResNet == true && imageSize >= ResNet.minimumImageSize)
        guard info.inputChannels == channels, sizeFits else {
            throw CheckpointError.corrupt(path: encoder, reason: "the encoder takes \(info.inputChannels)x\(info.imageSize)x\(info.imageSize) "
                                          + "images; the data has \(channels)x\(imageSize)x\(imageSize)")
        }
        guard let name = ModelZoo.Name(rawValue: info.model) else { throw ModelZoo.ModelError.unknownModel(info.model) }
        // The architecture is the checkpoint's; the regularisers asked for (--dropout,
        // --stochastic-depth) stay the user's.
        var options = model
        options.model = name
        options.widthOption = info.width
        let built = try options.makeEncoder(channels: channels, imageSize: imageSize, seed: seed)
        try load(info.isEncoder ? tensors : tensors.filter { !$0.key.hasPrefix(built.headPrefix) }, into: built,
                 what: "\(info.model) encoder of width \(info.width)")
        let epoch = metadata["epoch"].map { ", epoch \($0)" } ?? ""
        return (built, options, "\(info.model) (width \(info.width)) from \(encoder)\(epoch)")
    }

    /// Copies `encoder`'s weights into `network`, a classifier of the same architecture whose
    /// head keeps its own initialisation; every encoder tensor must find its place (the error
    /// names `path`).
    public static func transplant(_ encoder: ModelZoo.Encoder, into network: Module, path: String) throws {
        let state = Dictionary(uniqueKeysWithValues: encoder.module.stateDict())
        let names = Set(network.stateDict().map(\.0))
        let homeless = state.keys.filter { !names.contains($0) }.sorted()
        guard homeless.isEmpty else {
            throw CheckpointError.doesNotFit(path: path, reason: "the classifier has no place for \(homeless.prefix(5).joined(separator: ", "))")
        }
        do {
            try network.loadStateDict(state, strict: false)
        } catch let CheckpointError.mismatch(reason) {
            throw CheckpointError.doesNotFit(path: path, reason: reason)
        }
    }

    /// Loads `tensors` strictly (every encoder tensor present, nothing left over, counters such
    /// as `num_batches_tracked` optional); the error names this file and the tensors.
    private func load(_ tensors: [String: StoredTensor], into built: ModelZoo.Encoder, what: String) throws {
        do {
            try built.module.loadStateDict(tensors)
        } catch let CheckpointError.mismatch(reason) {
            throw CheckpointError.doesNotFit(path: encoder, reason: "as a \(what): \(reason)")
        }
    }
}
