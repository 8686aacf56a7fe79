import Foundation
import GleanConfig
import Glean

/// The table, the regressor and DisturbValue of `glean regress`.
public struct RegressOptions: Equatable {
    public var table = ""
    public var target = ""
    public var testSplit: Float = 0.2
    public var validationSplit: Float = 0.1
    public var hidden = "50"
    public var dropout: Float = 0
    public var disturbValue: Float = 0
    public var disturbValueStd: Float = 0.5

    public init() {}

    public static let options: [OptionSpec<RegressOptions>] = [
        .value("table", \.table, "CSV file with a header row: numeric feature columns and the target column (.csv or .csv.gz)."),
        .value("target", \.target, "Target column (empty: the last)."),
        .value("test-split", \.testSplit, "Fraction of the rows held out as the test split (seeded)."),
        .value("validation-split", \.validationSplit, "Fraction of the rows held out for validation (picks the best epoch; 0 = none)."),
        .value("hidden", \.hidden, "Hidden layer widths of the MLP, comma-separated (the source's regressor: 50)."),
        .value("dropout", \.dropout, "Dropout after each hidden layer."),
        .value("disturb-value", \.disturbValue, "DisturbValue: fraction of the training targets that get Gaussian noise each step (0 = off)."),
        .value("disturb-value-std", \.disturbValueStd, "DisturbValue: standard deviation of that noise, in standard deviations of the training targets."),
    ]

    /// The hidden widths, or why they cannot be read.
    public func hiddenWidths(source: String) throws -> [Int] {
        let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.allSatisfy({ $0 != nil && (1...65_536).contains($0!) }) else {
            throw SettingError(source: source, key: "hidden", reason: "must list widths in 1...65536 like '50' or '64,32', got '\(hidden)'")
        }
        return widths.map { $0! }
    }

    public func validate(source: String) throws {
        try check(!table.isEmpty, source, "table", "is required: a CSV file")
        try check(testSplit > 0 && testSplit < 1, source, "test-split", "must be in (0, 1), got \(testSplit)")
        try check(validationSplit >= 0 && validationSplit + testSplit < 1, source, "validation-split",
                  "must be >= 0 and leave training rows beside test-split, got \(validationSplit)")
        _ = try hiddenWidths(source: source)
        try check(dropout >= 0 && dropout < 1, source, "dropout", "must be in [0, 1), got \(dropout)")
        try check(disturbValue >= 0 && disturbValue <= 1, source, "disturb-value", "must be a fraction in [0, 1], got \(disturbValue)")
        try check(disturbValueStd >= 0, source, "disturb-value-std", "must be >= 0, got \(disturbValueStd)")
    }
}

/// Everything `glean regress` can be told.
public struct RegressSettings: CommandSettings {
    public var regress = RegressOptions()
    public var optimization = OptimizationOptions()
    public var run = RunOptions()

    public init() {
        optimization.epochs = 200
        optimization.batchSize = 32
        optimization.optimizer = .adam
        optimization.learningRate = 1e-3
        optimization.weightDecay = 0
    }

    public static let options: [OptionSpec<RegressSettings>] = RegressOptions.options.lifted(\.regress)
        + OptimizationOptions.options.lifted(\.optimization) + RunOptions.options.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Table and regressor", "table"), ("Optimization", "epochs"), ("Run", "seed")]

    public func validate(source: String) throws {
        try regress.validate(source: source)
        try optimization.validate(source: source)
    }
}

/// What a regressor checkpoint records: the MLP's shape and the standardization of features
/// and target.
public struct RegressorInfo: CheckpointDescription {
    public let featureNames: [String], targetName: String
    public let hidden: [Int]
    public let featureMean: [Float], featureStd: [Float]
    public let targetMean: Float, targetStd: Float

    public var metadata: [String: String] {
        func list(_ values: [Float]) -> String { values.map { String($0) }.joined(separator: ",") }
        return ["model": "mlp-regressor", "kind": "regressor", "hidden": hidden.map(String.init).joined(separator: ","),
                "features": featureNames.joined(separator: ","), "target": targetName, "feature_mean": list(featureMean),
                "feature_std": list(featureStd), "target_mean": String(targetMean), "target_std": String(targetStd)]
    }
}

/// `glean regress`: an MLP regressor on a CSV table (the source documents' 13 -> 50 -> 1
/// network), features and target standardized on the training rows, mean squared error,
/// optional DisturbValue; reports RMSE, MAE and R² on the test rows in the table's units.
public struct RegressRun {
    public let request: CommandLineRequest<RegressSettings>

    public init(_ request: CommandLineRequest<RegressSettings>) { self.request = request }

    public func run() throws {
        var settings = request.settings
        let (options, seed) = (settings.regress, settings.run.seed)
        let table = try CSVTable.load(path: options.table, target: options.target.isEmpty ? nil : options.target)
        var generator = RandomGenerator(seed: seed, stream: "split")
        let parts = Splits.ratio(count: table.targets.count, ratios: [Double(1 - options.testSplit - options.validationSplit),
                                                                      Double(options.validationSplit), Double(options.testSplit)],
                                 generator: &generator)
        guard parts[0].count >= 2, !parts[2].isEmpty else {
            throw ExperimentError("\(options.table): \(table.targets.count) rows leave \(parts[0].count) for training and \(parts[2].count) for testing; a table needs more rows")
        }
        let info = Self.standardization(table, trainingRows: parts[0], hidden: try options.hiddenWidths(source: "--hidden"))
        func loader(_ rows: [Int], shuffled: Bool) -> (FeatureLoader, [Float]) {
            let features = Tensor(rows.flatMap { row in table.features[row].enumerated().map { ($1 - info.featureMean[$0]) / info.featureStd[$0] } },
                                  shape: [rows.count, table.featureNames.count])
            let set = FeatureSet(features: features, labels: [Int](repeating: 0, count: rows.count), classCount: 1)
            let sampler: Sampler = shuffled ? RandomSampler(count: rows.count, seed: seed) : SequentialSampler(count: rows.count)
            return (FeatureLoader(set, batchSize: shuffled ? settings.optimization.batchSize : 1024, sampler: sampler,
                                  dropLast: shuffled && rows.count > settings.optimization.batchSize),
                    rows.map { (table.targets[$0] - info.targetMean) / info.targetStd })
        }
        let (train, trainTargets) = loader(parts[0], shuffled: true)
        let validation = parts[1].isEmpty ? nil : loader(parts[1], shuffled: false)
        let (test, testTargets) = loader(parts[2], shuffled: false)
        var initGenerator = RandomGenerator(seed: seed, stream: "init")
        let network = MLP.make(table.featureNames.count, hidden: info.hidden, outputs: 1, dropout: options.dropout, generator: &initGenerator)
        let noise = options.disturbValue > 0 ? DisturbValue(fraction: options.disturbValue, standardDeviation: options.disturbValueStd, seed: seed) : nil
        let task = Regression(model: network, targets: trainTargets, targetNoise: noise)
        try settings.optimization.resolveEpochs(task: task, labeled: train, unlabeled: nil, resuming: request.resume != nil, precision: settings.run.precision)
        let experiment = try Experiment(settings: settings, defaultName: "regress", resume: request.resume)
        experiment.say("glean regress: \(table.featureNames.count) -> \(info.hidden.map(String.init).joined(separator: " -> ")) -> 1 MLP on "
            + "\(options.table) (target '\(table.targetName)'); \(parts[0].count) training, \(parts[1].count) validation, \(parts[2].count) test rows; "
            + (noise.map { "DisturbValue on \(Int(100 * $0.fraction))% of targets (std \($0.standardDeviation) target SDs); " } ?? "")
            + "\(settings.optimization.optimizer.rawValue), \(settings.optimization.epochs) epochs, seed \(seed)")
        let measure = { (loader: FeatureLoader, targets: [Float]) in
            RegressionValidation(loader, targets: targets, scale: info.targetStd, offset: info.targetMean)
        }
        let trainer = experiment.trainer(task: task, optimization: settings.optimization, stepsPerEpoch: train.batchCount(epoch: 0),
                                         monitor: validation == nil ? nil : "val_loss", checkpoint: info)
        try experiment.fit(trainer, labeled: train, validation: validation.map { measure($0.0, $0.1) }, epochs: settings.optimization.epochs)
        let metrics = trainer.withEvaluationWeights { measure(test, testTargets).validate(network) }
        let selected = trainer.callbacks.compactMap { ($0 as? ModelCheckpoint)?.bestEpoch }.first.map { "best validation epoch \($0)" } ?? "last epoch"
        try experiment.report(title: "glean regress: \(options.table)", summary: [
            String(format: "test RMSE %.4g, MAE %.4g, R² %.4f on %d rows (in the units of '%@'); weights of the %@", metrics["rmse"] ?? 0,
                   metrics["mae"] ?? 0, metrics["r2"] ?? 0, parts[2].count, table.targetName, selected),
        ], confusion: nil, classNames: [])
    }

    /// Mean and standard deviation of every feature and of the target over the training rows
    /// (a constant column keeps standard deviation 1).
    public static func standardization(_ table: CSVTable, trainingRows: [Int], hidden: [Int]) -> RegressorInfo {
        func moments(_ values: [Float]) -> (Float, Float) {
            let mean = values.reduce(0, +) / Float(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
            return (mean, std > 1e-12 ? std : 1)
        }
        let columns = (0..<table.featureNames.count).map { column in moments(trainingRows.map { table.features[$0][column] }) }
        let target = moments(trainingRows.map { table.targets[$0] })
        return RegressorInfo(featureNames: table.featureNames, targetName: table.targetName, hidden: hidden, featureMean: columns.map(\.0),
                             featureStd: columns.map(\.1), targetMean: target.0, targetStd: target.1)
    }
}
