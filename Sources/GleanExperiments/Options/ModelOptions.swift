import GleanConfig
import Glean

extension ModelZoo.Name: OptionChoice {}

/// The zoo model a command builds.
public struct ModelOptions: Equatable {
    public var model = ModelZoo.Name.seednet
    /// `--width`; nil (`auto`) means `resNetDefaultWidth` for ResNets and 64 for the others.
    public var widthOption: Int?
    /// What `auto` gives a ResNet in this command (64 as in torchvision; the self-supervised
    /// commands use 32, several times faster on small images).
    public var resNetDefaultWidth = 64
    public var binary = false
    public var stochasticDepth: Float = 0
    /// `--dropout`; nil (`auto`) keeps the architecture's own.
    public var dropout: Float?
    /// `--init`: a checkpoint whose backbone every model starts from ("" = random initialisation).
    public var initialWeights = ""
    /// `--init-head`: whether `--init` also loads the classifier head (a warm start from a
    /// classifier of the same classes) or leaves it freshly initialised.
    public var initialHead = InitialHead.fresh

    /// What `--init` does with the classifier head.
    public enum InitialHead: String, OptionChoice {
        case fresh, keep
    }

    public init() {}

    /// The encoder default of the self-supervised and evaluation commands: ResNet-18 of width 32.
    public static var resNetEncoder: ModelOptions {
        var options = ModelOptions()
        options.model = .resnet18
        options.resNetDefaultWidth = 32
        return options
    }

    /// The width the model is built with.
    public var width: Int { widthOption ?? (model.isResNet ? resNetDefaultWidth : 64) }

    public static let options: [OptionSpec<ModelOptions>] = [
        .value("model", \.model, "Model from the zoo."),
        .value("binary", \.binary, "Two classes with one sigmoid output (Keras' Dense(1, activation='sigmoid')), trained with binary cross-entropy; the data must have 2 classes."),
        .value("width", \.widthOption, "ResNets: channels of the first stage (auto: the command's default for ResNets, 64 for other models; 32 or 16 train several times faster on small images)."),
        .value("stochastic-depth", \.stochasticDepth, "ResNets: drop-path probability of the last residual block, rising linearly from 0 at the first (noise for Noisy Student students; 0 = off)."),
        .value("dropout", \.dropout, "SeedNet, GoogLeNet: probability of their dropout layers in training (auto: the architecture's own, 0.5 and 0.4; 0 = off)."),
    ]

    /// `--init`, for the commands that build fresh classifiers (train, semi, distill).
    public static let initialisationOptions: [OptionSpec<ModelOptions>] = [
        .value("init", \.initialWeights, "Start every model the command builds from this checkpoint's backbone (encoder.safetensors of glean pretrain, a classifier's checkpoint, or a torchvision/timm state dict); the classifier head is freshly initialised and everything trains. The model and its width must be the checkpoint's."),
        .value("init-head", \.initialHead, "With --init: fresh (a new classifier head) or keep (the checkpoint's head too: a warm start from a classifier of the same model and classes, e.g. glean train's last.safetensors)."),
    ]

    /// The classifier for `classCount` classes of `channels` x `imageSize` x `imageSize` images,
    /// initialised from the run's seed, its backbone then loaded from `--init` when given.
    /// Throws when that checkpoint holds another architecture or does not fit the images.
    public func make(classCount: Int, channels: Int, imageSize: Int, seed: UInt64) throws -> Module {
        var generator = RandomGenerator(seed: seed, stream: "init")
        let network = try ModelZoo.make(model.rawValue, classCount: classCount, inputChannels: channels, imageSize: imageSize,
                                        width: width, head: head, stochasticDepth: stochasticDepth, dropout: dropout, generator: &generator)
        guard !initialWeights.isEmpty else { return network }
        if initialHead == .keep {
            let (tensors, metadata) = try SafeTensors.read(initialWeights)
            if metadata["model"] != nil {
                let info = try CheckpointInfo(metadata: metadata, path: initialWeights)
                guard !info.isEncoder, info.model == model.rawValue, info.width == width, info.classCount == classCount else {
                    throw CheckpointError.doesNotFit(path: initialWeights, reason: "--init-head keep needs a classifier of this run's model and classes "
                        + "(\(model.rawValue), width \(width), \(classCount) classes); it holds "
                        + (info.isEncoder ? "an encoder" : "a \(info.model) of width \(info.width) for \(info.classCount) classes"))
                }
            }
            try CheckpointError.naming(initialWeights) { try network.loadStateDict(tensors) }
            return network
        }
        let (encoder, built, _) = try EncoderOptions(encoder: initialWeights).load(model: self, channels: channels, imageSize: imageSize, seed: seed)
        guard built.model == model, built.width == width else {
            throw CheckpointError.doesNotFit(path: initialWeights, reason: "it holds a \(built.model.rawValue) of width \(built.width), this run builds "
                                             + "a \(model.rawValue) of width \(width): set --model \(built.model.rawValue) --width \(built.width)")
        }
        try EncoderOptions.transplant(encoder, into: network, path: initialWeights)
        return network
    }

    /// Where the models' weights start, for the run's first line ("" for a random start).
    public var initialisationNote: String {
        initialWeights.isEmpty ? "" : initialHead == .keep ? ", warm start from \(initialWeights) (head included)" : ", backbone from \(initialWeights)"
    }

    /// The classifier head `--binary` asks for.
    public var head: ModelZoo.Head { binary ? .sigmoid : .linear }

    /// The model without its classifier (see `ModelZoo.makeEncoder`).
    public func makeEncoder(channels: Int, imageSize: Int, seed: UInt64) throws -> ModelZoo.Encoder {
        var generator = RandomGenerator(seed: seed, stream: "init")
        return try ModelZoo.makeEncoder(model.rawValue, inputChannels: channels, imageSize: imageSize, width: width, dropout: dropout,
                                        generator: &generator)
    }
}
