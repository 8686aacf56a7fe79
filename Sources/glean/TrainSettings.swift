import Foundation
import Glean
import Yams

/// Every choice of a `glean train` run, resolved from defaults, an optional YAML config file
/// and command-line options (in that order of precedence, last wins). Keys are the option
/// names (`batch-size: 64`). Written to the run folder as `config.yaml`.
struct TrainSettings: Equatable {
    var model = "seednet"
    var epochs = 5
    var batchSize = 128
    var optimizer = "sgd"
    var learningRate: Float = 0.05
    var momentum: Float = 0.9
    var weightDecay: Float = 5e-4
    var schedule = "cosine"
    var warmupEpochs = 0
    var labelSmoothing: Float = 0
    var labelsPerClass = 0
    var augment = "none"
    var earlyStoppingPatience = 0
    var seed: UInt64 = 0
    var dataset = "fashion-mnist"
    var dataDir: String?
    /// ImageFolder only: images are resized to this square size (0 = keep, all must match).
    var imageSize = 0
    /// ImageFolder only: fraction of images held out for validation/test.
    var validationSplit: Float = 0.2

    static let models = ModelZoo.Name.allCases.map(\.rawValue)
    static let optimizers = ["sgd", "adam", "adamw"]
    static let schedules = ["cosine", "onecycle", "constant"]
    static let augments = ["none", "flip-crop"]
    static let datasets = ["fashion-mnist", "cifar10", "imagefolder"]

    /// Why a setting was rejected: names the source (file or option), the key and the value.
    struct SettingError: Error, CustomStringConvertible {
        let source: String, key: String, reason: String
        var description: String { "\(source): '\(key)' \(reason)" }
    }

    /// Applies a YAML mapping of option names to values; unknown keys and bad values throw.
    mutating func apply(yaml text: String, source: String) throws {
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)
        } catch {
            throw SettingError(source: source, key: "(file)", reason: "is not valid YAML: \(error)")
        }
        guard let mapping = parsed as? [String: Any] else {
            throw SettingError(source: source, key: "(file)", reason: "must be a mapping of option names to values")
        }
        for (key, value) in mapping.sorted(by: { $0.key < $1.key }) {
            try set(key, String(describing: value), source: source)
        }
    }

    /// Sets one option from its text form.
    mutating func set(_ key: String, _ text: String, source: String) throws {
        func number<T: LosslessStringConvertible>(_ type: T.Type) throws -> T {
            guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
                throw SettingError(source: source, key: key, reason: "must be a number, got '\(text)'")
            }
            return value
        }
        func choice(_ allowed: [String]) throws -> String {
            guard allowed.contains(text) else {
                throw SettingError(source: source, key: key, reason: "must be one of \(allowed.joined(separator: ", ")), got '\(text)'")
            }
            return text
        }
        switch key {
        case "model": model = try choice(Self.models)
        case "epochs": epochs = try number(Int.self)
        case "batch-size": batchSize = try number(Int.self)
        case "optimizer": optimizer = try choice(Self.optimizers)
        case "learning-rate": learningRate = try number(Float.self)
        case "momentum": momentum = try number(Float.self)
        case "weight-decay": weightDecay = try number(Float.self)
        case "schedule": schedule = try choice(Self.schedules)
        case "warmup-epochs": warmupEpochs = try number(Int.self)
        case "label-smoothing": labelSmoothing = try number(Float.self)
        case "labels-per-class": labelsPerClass = try number(Int.self)
        case "augment": augment = try choice(Self.augments)
        case "early-stopping-patience": earlyStoppingPatience = try number(Int.self)
        case "seed": seed = try number(UInt64.self)
        case "data-dir": dataDir = text
        case "dataset": dataset = try choice(Self.datasets)
        case "image-size": imageSize = try number(Int.self)
        case "validation-split": validationSplit = try number(Float.self)
        default:
            throw SettingError(source: source, key: key, reason: "is not a train option; known: \(Self.keys.joined(separator: ", "))")
        }
    }

    static let keys = ["augment", "batch-size", "data-dir", "dataset", "early-stopping-patience", "epochs",
                       "image-size", "label-smoothing", "labels-per-class", "learning-rate", "model", "momentum",
                       "optimizer", "schedule", "seed", "validation-split", "warmup-epochs", "weight-decay"]

    /// Range checks after everything is applied.
    func validate(source: String) throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw SettingError(source: source, key: key, reason: reason) }
        }
        try check(epochs > 0, "epochs", "must be positive, got \(epochs)")
        try check(batchSize > 1, "batch-size", "must be at least 2, got \(batchSize)")
        try check(learningRate > 0 && learningRate.isFinite, "learning-rate", "must be positive, got \(learningRate)")
        try check(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got \(momentum)")
        try check(weightDecay >= 0, "weight-decay", "must be >= 0, got \(weightDecay)")
        try check(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup-epochs", "must be in 0..<epochs, got \(warmupEpochs)")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "label-smoothing", "must be in [0, 1), got \(labelSmoothing)")
        try check(labelsPerClass >= 0, "labels-per-class", "must be >= 0, got \(labelsPerClass)")
        try check(earlyStoppingPatience >= 0, "early-stopping-patience", "must be >= 0, got \(earlyStoppingPatience)")
        try check(imageSize >= 0, "image-size", "must be >= 0, got \(imageSize)")
        try check(validationSplit > 0 && validationSplit < 1, "validation-split", "must be in (0, 1), got \(validationSplit)")
        try check(dataset == "fashion-mnist" || dataDir != nil, "data-dir", "is required for dataset \(dataset)")
    }

    /// Every setting as (option name, value), in `config.yaml` order; `data-dir` resolved.
    var entries: [(name: String, value: String)] {
        [
            ("augment", augment), ("batch-size", "\(batchSize)"),
            ("data-dir", dataset == "fashion-mnist" ? IDXReader.fashionMNISTDirectory(dataDir) : dataDir ?? ""),
            ("dataset", dataset), ("image-size", "\(imageSize)"), ("validation-split", "\(validationSplit)"),
            ("early-stopping-patience", "\(earlyStoppingPatience)"), ("epochs", "\(epochs)"),
            ("label-smoothing", "\(labelSmoothing)"), ("labels-per-class", "\(labelsPerClass)"),
            ("learning-rate", "\(learningRate)"), ("model", model), ("momentum", "\(momentum)"),
            ("optimizer", optimizer), ("schedule", schedule), ("seed", "\(seed)"),
            ("warmup-epochs", "\(warmupEpochs)"), ("weight-decay", "\(weightDecay)"),
        ]
    }

    /// The settings as YAML (valid input for `--config`).
    var yaml: String { entries.map { "\($0.name): \"\($0.value)\"" }.joined(separator: "\n") + "\n" }

    /// The augmentation for images of `size` x `size` (crop padding is 1/8 of the size).
    func transform(size: Int) -> Transform? {
        augment == "flip-crop" ? Compose([RandomCrop(size: size, padding: max(1, size / 8)), RandomHorizontalFlip()]) : nil
    }

    /// Training and test images for the chosen dataset (ImageFolder: a seeded split).
    func loadData() throws -> (train: ImageDataset, test: ImageDataset) {
        switch dataset {
        case "cifar10":
            let directory = dataDir ?? "."
            let trainFiles = (1...5).map { "\(directory)/data_batch_\($0).bin" }
            let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
            return (try BinaryImageReader.cifar(files: trainFiles, variant: .cifar10, classNames: names),
                    try BinaryImageReader.cifar(files: ["\(directory)/test_batch.bin"], variant: .cifar10, classNames: names))
        case "imagefolder":
            let all = try ImageFolder.load(root: dataDir ?? ".", channels: 3,
                                           size: imageSize > 0 ? (imageSize, imageSize) : nil)
            guard all.height == all.width else {
                throw SettingError(source: dataDir ?? ".", key: "image-size",
                                   reason: "must be set: the images are \(all.height)x\(all.width), models need square input")
            }
            var generator = RandomGenerator(seed: seed, stream: "holdout")
            let parts = Splits.ratio(count: all.count, ratios: [Double(1 - validationSplit), Double(validationSplit)],
                                     generator: &generator)
            return (all.subset(parts[0]), all.subset(parts[1]))
        default:
            return try IDXReader.fashionMNIST(directory: dataDir)
        }
    }

    func makeOptimizer(_ parameters: [Parameter]) -> Optimizer {
        switch optimizer {
        case "adam": return Adam(parameters, learningRate: learningRate, weightDecay: weightDecay)
        case "adamw": return AdamW(parameters, learningRate: learningRate, weightDecay: weightDecay)
        default: return SGD(parameters, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay,
                            nesterov: false)
        }
    }

    func makeSchedule(stepsPerEpoch: Int) -> LearningRateSchedule? {
        let total = stepsPerEpoch * epochs
        switch schedule {
        case "onecycle": return OneCycle(totalSteps: max(total, 2))
        case "constant": return nil
        default: return CosineWithWarmup(warmupSteps: warmupEpochs * stepsPerEpoch, totalSteps: max(total, 1))
        }
    }
}
