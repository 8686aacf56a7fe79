import Foundation
import GleanConfig
import Glean

/// The test split a checkpoint's run was measured on: the data options come from the
/// `config.yaml` next to the checkpoint (so ImageFolder and CIFAR-10 runs get their own
/// held-out images); without a config, the Fashion-MNIST test split.
public enum RunTestSplit {
    /// The data options and seed of any command's config (other keys are ignored).
    public struct DataSettings: CommandSettings {
        public var data = DataOptions()
        public var run = RunOptions()
        public init() {}

        public static let options: [OptionSpec<DataSettings>] = DataOptions.options.lifted(\.data) + RunOptions.options.lifted(\.run)
        public static let sections: [(title: String, firstKey: String)] = []
        public func validate(source: String) throws { try data.validate(source: source) }
    }

    /// Loads the test images for `checkpoint`; `dataDir` overrides the run's data folder. With
    /// `info`, throws unless the images fit the checkpoint's model.
    public static func load(checkpoint: String, info: CheckpointInfo? = nil, dataDir: String?) throws -> ImageDataset {
        var settings = DataSettings()
        let configPath = (checkpoint as NSString).deletingLastPathComponent + "/config.yaml"
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
            try settings.apply(yaml: text, source: configPath, ignoringUnknownKeys: true)
        }
        if let dataDir { try settings.set("data-dir", dataDir, source: "--data-dir") }
        let test = try settings.data.loadSelectedClasses(seed: settings.run.seed).test
        try info?.check(fits: test, checkpoint: checkpoint)
        return test
    }
}
