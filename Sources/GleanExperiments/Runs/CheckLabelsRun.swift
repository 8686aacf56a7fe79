import Foundation
import GleanConfig
import Glean

/// Everything `glean check-labels` can be told.
public struct CheckLabelsSettings: CommandSettings {
    public var check = CheckLabelsOptions()
    public var data = DataOptions()
    public var model = ModelOptions()
    public var optimization = OptimizationOptions()
    public var run = RunOptions()

    /// Each fold's model is trained as `glean demo` trains its supervised baseline: SeedNet,
    /// flip + crop, 8 epochs of 100 steps of 32 images, Nesterov SGD 0.03, EMA 0.999.
    public init() {
        data.validationPerClass = 0
        data.augmentation.augment = AugmentList([.flipCrop])
        optimization.batchSize = 32
        optimization.optimizer = .nesterov
        optimization.learningRate = 0.03
        optimization.emaDecay = 0.999
        optimization.stepsPerEpoch = 100
        optimization.epochs = 8
    }

    public static let options: [OptionSpec<CheckLabelsSettings>] = CheckLabelsOptions.options.lifted(\.check)
        + DataOptions.options.lifted(\.data) + ModelOptions.options.lifted(\.model) + OptimizationOptions.options.lifted(\.optimization)
        + RunOptions.options.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Check", "folds"), ("Data (the labeled images checked)", "dataset"),
                                                                        ("Model of each fold", "model"), ("Optimization of each fold", "epochs"),
                                                                        ("Run", "seed")]

    public func validate(source: String) throws {
        try check.validate(source: source)
        try data.validate(source: source)
        try optimization.validate(source: source)
    }
}

/// `glean check-labels`: the labeled images whose label is likely wrong. Every image gets
/// out-of-sample class probabilities from a model trained on the other folds of a stratified
/// K-fold split; confident learning (`ConfidentLearning`) flags the images labeled as one class
/// but confidently in another, ranked, with the suggested class. Writes `label_issues.csv`
/// (rank, file, given, suggested, self-confidence, margin), `probabilities.csv` (every image's
/// out-of-sample probabilities), `report.html` (thumbnails) and `report.txt`.
public struct CheckLabelsRun {
    public let request: CommandLineRequest<CheckLabelsSettings>

    public init(_ request: CommandLineRequest<CheckLabelsSettings>) { self.request = request }

    /// What the check found, and with planted noise how well it found it.
    public struct Outcome {
        public let directory: String
        public let issues: [ConfidentLearning.Issue]
        public let checked: Int
        /// Images whose label was flipped by `--plant-noise` (empty without it).
        public let planted: Set<Int>
    }

    @discardableResult
    public func run() throws -> Outcome {
        guard request.resume == nil else { throw ExperimentError("glean check-labels does not resume: run it again (it takes minutes)") }
        let settings = request.settings, seed = settings.run.seed
        var images = try checkedImages(settings.data, seed: seed)
        let present = images.classCounts.filter { $0 > 0 }
        guard present.count >= 2, present.allSatisfy({ $0 >= settings.check.folds }) else {
            throw ExperimentError("check-labels needs at least \(settings.check.folds) images (--folds) in each class, and 2 classes; "
                                  + "the classes hold \(zip(images.classNames, images.classCounts).filter { $1 > 0 }.map { "\($0) \($1)" }.joined(separator: ", "))")
        }
        let (noisy, planted) = Self.plantNoise(images, fraction: settings.check.plantNoise, seed: seed)
        images = noisy
        let experiment = try Experiment(settings: settings, defaultName: "check-labels", resume: nil)
        experiment.say("glean check-labels: \(images.count) labeled images of \(images.classCount) classes "
            + "(\(images.channels)x\(images.height)x\(images.width)); \(settings.check.folds)-fold out-of-sample probabilities from "
            + "\(settings.model.model.rawValue), \(settings.optimization.epochs) epochs of \(settings.optimization.stepsPerEpoch) steps per fold"
            + (planted.isEmpty ? "" : "; \(planted.count) labels flipped on purpose (--plant-noise \(settings.check.plantNoise))"))
        let probabilities = try outOfFoldProbabilities(images, settings: settings, experiment: experiment)
        let result = ConfidentLearning.analyse(probabilities: probabilities, labels: images.labels, classCount: images.classCount,
                                               selfConfidenceFraction: settings.check.selfConfidenceFraction)
        try writeProbabilities(probabilities, images: images, planted: planted, to: experiment.directory.path + "/probabilities.csv")
        try write(result, images: images, planted: planted, settings: settings, experiment: experiment)
        return Outcome(directory: experiment.directory.path, issues: result.issues, checked: images.count, planted: planted)
    }

    /// The images to check: every image of an ImageFolder (with its file), else the labeled
    /// images the data options draw (`--labels-per-class`).
    private func checkedImages(_ data: DataOptions, seed: UInt64) throws -> ImageDataset {
        guard data.dataset == .imagefolder else { return try data.load(seed: seed).labeled }
        guard ImageFolder.splitFolders(root: data.dataDir) == nil else {
            throw ExperimentError("\(data.dataDir) has train/ (val/, test/) folders: check one split at a time, e.g. --data-dir \(data.dataDir)/train")
        }
        let images = try ImageFolder.load(root: data.dataDir, size: data.imageSize > 0 ? (data.imageSize, data.imageSize) : nil)
        guard images.height == images.width else {
            throw ExperimentError("\(data.dataDir): the images are \(images.height)x\(images.width); the models take square images: set --image-size")
        }
        return images
    }

    /// `images` with `fraction` of their labels (seeded) changed to another class that has images, and which.
    static func plantNoise(_ images: ImageDataset, fraction: Float, seed: UInt64) -> (ImageDataset, Set<Int>) {
        guard fraction > 0 else { return (images, []) }
        var generator = RandomGenerator(seed: seed, stream: "plant-noise")
        let chosen = Array((0..<images.count).shuffled(using: &generator).prefix(Int((fraction * Float(images.count)).rounded())))
        var labels = images.labels
        let present = (0..<images.classCount).filter { images.classCounts[$0] > 0 }
        for index in chosen {
            let others = present.filter { $0 != labels[index] }
            labels[index] = others[Int(generator.next() % UInt64(others.count))]
        }
        return (ImageDataset(pixels: images.pixels, labels: labels, channels: images.channels, height: images.height, width: images.width,
                             classCount: images.classCount, classNames: images.classNames, sources: images.sources), Set(chosen))
    }

    /// Stratified folds: each class's images shuffled (seeded) and dealt in turn.
    public static func folds(labels: [Int], classCount: Int, count: Int, seed: UInt64) -> [[Int]] {
        var generator = RandomGenerator(seed: seed, stream: "folds")
        var folds = [[Int]](repeating: [], count: count)
        var next = 0
        for label in 0..<classCount {
            for index in labels.indices.filter({ labels[$0] == label }).shuffled(using: &generator) {
                folds[next % count].append(index)
                next += 1
            }
        }
        return folds.map { $0.sorted() }
    }

    /// Softmax of a model trained without each image, for every image.
    private func outOfFoldProbabilities(_ images: ImageDataset, settings: CheckLabelsSettings, experiment: Experiment) throws -> [[Float]] {
        let (mean, std) = images.channelStatistics()
        var probabilities = [[Float]](repeating: [], count: images.count)
        let folds = Self.folds(labels: images.labels, classCount: images.classCount, count: settings.check.folds, seed: settings.run.seed)
        for (fold, heldOut) in folds.enumerated() {
            let held = Set(heldOut)
            let train = images.subset(images.labels.indices.filter { !held.contains($0) }), test = images.subset(heldOut)
            let data = ExperimentData(labeled: train, validation: nil, unlabeled: train.subset([]), test: test, trainingPool: images,
                                      mean: mean, std: std)
            let foldSeed = settings.run.seed &+ UInt64(fold)
            var optimization = settings.optimization
            optimization.minutes /= Double(settings.check.folds)
            let network = try settings.model.make(classCount: images.classCount, channels: images.channels, imageSize: images.height, seed: foldSeed)
            let task = SupervisedClassification(model: network)
            let loaders = ClassificationLoaders(data: data, batchSize: optimization.batchSize, transform: settings.data.transform(for: train),
                                                sampler: settings.data.sampler, stepsPerEpoch: optimization.stepsPerEpoch, seed: foldSeed)
            try optimization.resolveEpochs(task: task, labeled: loaders.labeled, unlabeled: nil, resuming: false, precision: settings.run.precision)
            experiment.say("fold \(fold + 1) of \(folds.count): training on \(train.count) images, scoring \(test.count)")
            let trainer = Trainer(task: task, optimizer: optimization.makeOptimizer([(network.trainableParameters, 1)]),
                                  schedule: optimization.makeSchedule(stepsPerEpoch: loaders.labeled.batchCount(epoch: 0), epochs: optimization.epochs),
                                  callbacks: [ProgressPrinter(log: experiment.log)],
                                  weightAverage: optimization.emaDecay > 0 ? ExponentialMovingAverage(model: network, decay: optimization.emaDecay) : nil)
            try trainer.fit(labeled: loaders.labeled, epochs: optimization.epochs)
            let scored = trainer.withEvaluationWeights { SelfTraining.probabilities(of: network, on: loaders.test) }
            for (position, index) in heldOut.enumerated() { probabilities[index] = scored[position] }
        }
        return probabilities
    }

    /// Every image's out-of-sample probabilities (file, given label, one column per class), for
    /// other tools or another rule.
    private func writeProbabilities(_ probabilities: [[Float]], images: ImageDataset, planted: Set<Int>, to path: String) throws {
        var csv = CSVFields.line(["file", "given"] + images.classNames + (planted.isEmpty ? [] : ["planted"])) + "\n"
        for (index, row) in probabilities.enumerated() {
            csv += CSVFields.line([images.source(of: index), images.classNames[images.labels[index]]] + row.map { String(format: "%.5f", $0) }
                                  + (planted.isEmpty ? [] : [planted.contains(index) ? "yes" : "no"])) + "\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: path)
    }

    private func write(_ result: ConfidentLearning.Result, images: ImageDataset, planted: Set<Int>, settings: CheckLabelsSettings,
                       experiment: Experiment) throws {
        let names = images.classNames, issues = result.issues
        var csv = "rank,file,given,suggested,self_confidence,margin" + (planted.isEmpty ? "" : ",planted") + "\n"
        for (rank, issue) in issues.enumerated() {
            csv += CSVFields.line([String(rank + 1), images.source(of: issue.index), names[issue.givenLabel], names[issue.suggestedLabel],
                                   String(format: "%.4f", issue.selfConfidence), String(format: "%.4f", issue.margin)]
                                  + (planted.isEmpty ? [] : [planted.contains(issue.index) ? "yes" : "no"])) + "\n"
        }
        let csvPath = experiment.directory.path + "/label_issues.csv"
        try AtomicFile.write(Data(csv.utf8), to: csvPath)
        var summary = [String(format: "%d of %d labels look wrong (%.1f%%): %@", issues.count, images.count,
                              100 * Double(issues.count) / Double(max(images.count, 1)), csvPath),
                       "confident learning estimates \(result.estimatedWrongLabels) wrong labels in all (the model's own mistakes count there too); the list holds the surest"]
        summary += issues.prefix(5).map { "  \(images.source(of: $0.index)): labeled \(names[$0.givenLabel]), looks like \(names[$0.suggestedLabel])" }
        if !planted.isEmpty {
            let found = issues.filter { planted.contains($0.index) }.count
            summary.append(String(format: "planted noise: %d labels flipped; %d of the %d listed were flipped (precision %.1f%%), %d of the %d flipped were listed (recall %.1f%%)",
                                  planted.count, found, issues.count, 100 * Double(found) / Double(max(issues.count, 1)),
                                  found, planted.count, 100 * Double(found) / Double(planted.count)))
        }
        summary.append("per-class thresholds (mean self-confidence): "
                       + zip(names, result.thresholds).map { String(format: "%@ %.2f", $0, $1) }.joined(separator: ", "))
        try AtomicFile.write(Data((summary.joined(separator: "\n") + "\n").utf8), to: experiment.directory.path + "/report.txt")
        try LabelIssuesPage(title: "glean check-labels: \(images.count) labels", summary: summary, images: images,
                            issues: Array(issues.prefix(settings.check.thumbnails)), planted: planted)
            .write(to: experiment.directory.path + "/report.html")
        summary.forEach(experiment.say)
        experiment.say("report: \(experiment.directory.path)/report.html")
    }
}
