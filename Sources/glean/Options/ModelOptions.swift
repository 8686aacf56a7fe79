import Glean

extension ModelZoo.Name: OptionChoice {}

/// The zoo model a command builds.
struct ModelOptions: Equatable {
    var model = ModelZoo.Name.seednet

    static let options: [OptionSpec<ModelOptions>] = [.value("model", \.model, "Model from the zoo.")]

    /// The model for `data`'s images and classes, initialised from the run's seed.
    func make(classCount: Int, channels: Int, imageSize: Int, seed: UInt64) throws -> Module {
        var generator = RandomGenerator(seed: seed, stream: "init")
        return try ModelZoo.make(model.rawValue, classCount: classCount, inputChannels: channels, imageSize: imageSize,
                                 generator: &generator)
    }
}
