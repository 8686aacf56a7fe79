import Glean

extension ModelZoo.Name: OptionChoice {}

/// The zoo model a command builds.
struct ModelOptions: Equatable {
    var model = ModelZoo.Name.seednet
    /// `--width`; nil (`auto`) means `resNetDefaultWidth` for ResNets and 64 for the others.
    var widthOption: Int?
    /// What `auto` gives a ResNet in this command (64 as in torchvision; the self-supervised
    /// commands use 32, several times faster on small images).
    var resNetDefaultWidth = 64
    var binary = false
    var stochasticDepth: Float = 0

    /// The width the model is built with.
    var width: Int { widthOption ?? (model.isResNet ? resNetDefaultWidth : 64) }

    static let options: [OptionSpec<ModelOptions>] = [
        .value("model", \.model, "Model from the zoo."),
        .value("binary", \.binary, "Two classes with one sigmoid output (Keras' Dense(1, activation='sigmoid')), trained with binary cross-entropy; the data must have 2 classes."),
        .value("width", \.widthOption, "ResNets: channels of the first stage (auto: the command's default for ResNets, 64 for other models; 32 or 16 train several times faster on small images)."),
        .value("stochastic-depth", \.stochasticDepth, "ResNets: drop-path probability of the last residual block, rising linearly from 0 at the first (noise for Noisy Student students; 0 = off)."),
    ]

    /// The classifier for `classCount` classes of `channels` x `imageSize` x `imageSize` images,
    /// initialised from the run's seed.
    func make(classCount: Int, channels: Int, imageSize: Int, seed: UInt64) throws -> Module {
        var generator = RandomGenerator(seed: seed, stream: "init")
        return try ModelZoo.make(model.rawValue, classCount: classCount, inputChannels: channels, imageSize: imageSize,
                                 width: width, head: head, stochasticDepth: stochasticDepth, generator: &generator)
    }

    /// The classifier head `--binary` asks for.
    var head: ModelZoo.Head { binary ? .sigmoid : .linear }

    /// The model without its classifier (see `ModelZoo.makeEncoder`).
    func makeEncoder(channels: Int, imageSize: Int, seed: UInt64) throws -> ModelZoo.Encoder {
        var generator = RandomGenerator(seed: seed, stream: "init")
        return try ModelZoo.makeEncoder(model.rawValue, inputChannels: channels, imageSize: imageSize, width: width,
                                        generator: &generator)
    }
}
