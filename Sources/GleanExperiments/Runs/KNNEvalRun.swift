import Foundation
import Glean

/// Everything `glean knn-eval` can be told.
public struct KNNEvalSettings: CommandSettings {
    public var encoder = EncoderOptions()
    public var data = DataOptions()
    public var model = ModelOptions.resNetEncoder
    public var knn = KNNOptions()
    public var run = RunOptions()

    public init() {
    }

    public static let options: [OptionSpec<KNNEvalSettings>] = EncoderOptions.options.lifted(\.encoder) + DataOptions.options.lifted(\.data)
        + ModelOptions.options.lifted(\.model)
        + KNNOptions.options.lifted(\.knn)
        + RunOptions.options.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Encoder", "encoder"), ("Data (the labeled images are the bank)", "dataset"),
                                                                 ("Model of --encoder random", "model"), ("kNN", "knn-k"), ("Run", "seed")]

    public func validate(source: String) throws {
        try encoder.validate(source: source)
        try data.validate(source: source)
        try knn.validate(source: source)
    }
}

/// `glean knn-eval`: classifies the test images by a weighted vote of their nearest labeled
/// training images in an encoder's feature space (cosine similarity).
public struct KNNEvalRun {
    public let request: CommandLineRequest<KNNEvalSettings>

    public init(_ request: CommandLineRequest<KNNEvalSettings>) { self.request = request }

    public func run() throws {
        guard request.resume == nil else { throw ExperimentError("glean knn-eval does not train, so there is nothing to resume") }
        var settings = request.settings
        let seed = settings.run.seed
        let data = try settings.data.load(seed: seed)
        settings.knn.k = settings.knn.k(for: data.labeled)
        let (encoder, _, description) = try settings.encoder.load(model: settings.model, channels: data.labeled.channels,
                                                                  imageSize: data.labeled.height, seed: seed)
        let experiment = try Experiment(settings: settings, defaultName: "knn-eval", resume: nil)
        experiment.say("glean knn-eval: \(description); bank: \(settings.data.describe(data)); k \(settings.knn.k!)\(request.isGiven("knn-k") ? "" : " (auto: 200, or the images per class where fewer)"), "
                       + "temperature \(settings.knn.temperature.map { String($0) } ?? "auto"); "
                       + "compares \(settings.knn.features.describe(encoder.module, pooledWidth: encoder.featureCount))")
        let start = Date()
        let result = settings.knn.evaluate(encoder: encoder.module, data: data)
        try experiment.report(title: "glean knn-eval: \(description)",
                              summary: [result.summary + String(format: "; %.1fs", Date().timeIntervalSince(start))]
                                  + experiment.pixelBaseline(data: data, method: "kNN on the encoder", top1: result.top1, k: result.k, always: true),
                              confusion: nil, classNames: [])
    }
}
