import Foundation
import Glean
import GleanBench

/// `glean demo`: what Glean is for, in one command. On Fashion-MNIST with 10 labels per class
/// (100 labels in all, no validation labels) it reads the floor (raw-pixel kNN on the labels),
/// trains the source's CNN on the labels alone, then Glean's label-efficient pipeline — FixMatch
/// on the same labels plus every other training image unlabeled, warm-started from that
/// supervised model — for the rest of a time budget, and compares them on the test split in a
/// table, a chart of test accuracy over wall time, and report.html.
public struct DemoRun {
    /// Run within `quickMinutes` (fewer steps; a smaller gain).
    public var quick = false
    /// Time budget in minutes for the whole demo (nil: `defaultMinutes`, or `quickMinutes` with `quick`).
    public var minutes: Double?

    /// The demo's budget in minutes, and with `--quick`.
    public static let defaultMinutes = 10.0, quickMinutes = 2.4
    /// Labeled images per class (all labels the demo uses).
    public var labelsPerClass = 10
    /// Seed of the label draw, initialisation and augmentation.
    public var seed: UInt64 = 0
    /// Fashion-MNIST folder (empty: $GLEAN_FASHION_MNIST or Debian's dataset-fashion-mnist).
    public var dataDir = ""
    /// Folder for the demo's run folder.
    public var runsDir = "runs"

    public init() {}

    /// Throws when a setting is out of range.
    public func validate() throws {
        if let minutes, !(1...10_080).contains(minutes) { throw ExperimentError("--minutes must be in 1...10080, got \(minutes)") }
        guard (1...1000).contains(labelsPerClass) else { throw ExperimentError("--labels-per-class must be in 1...1000, got \(labelsPerClass)") }
    }

    /// Test images drawn (seeded) for the chart's points; the table uses all of them.
    public static let chartImages = 1000

    public func run() throws {
        try validate()
        let budget = minutes ?? (quick ? Self.quickMinutes : Self.defaultMinutes)
        let start = Date()
        let directory = try RunDirectory.create(name: "demo", root: runsDir)
        let common = (dataDir.isEmpty ? [] : ["--data-dir", dataDir])
            + ["--labels-per-class", String(labelsPerClass), "--validation-per-class", "0", "--seed", String(seed), "--runs-dir", directory.path]
        print("glean demo: Fashion-MNIST, \(labelsPerClass) labels per class (\(10 * labelsPerClass) labels, no validation labels), "
              + String(format: "budget %.1f min, seed %d; runs in %@", budget, seed, directory.path))
        print("machine: \(Self.machine)")

        var dataOptions = DataOptions()
        dataOptions.dataDir = dataDir
        dataOptions.labelsPerClass = labelsPerClass
        dataOptions.validationPerClass = 0
        let data = try dataOptions.load(seed: seed)
        let pixels = PixelBaseline.knn(labeled: data.labeled, validation: nil, test: data.test)
        print("\n== raw-pixel kNN: the \(data.labeled.count) labeled images' pixels as the bank, no training: "
              + String(format: "%.2f%% test top-1 (k %d, temperature %g)", 100 * pixels.top1, pixels.k, pixels.temperature))
        var draw = RandomGenerator(seed: seed, stream: "demo-chart")
        let chartSample = data.test.subset(Array((0..<data.test.count).shuffled(using: &draw).prefix(Self.chartImages)))
        let chartLoader = ClassificationLoaders.inOrder(chartSample, data: data)

        var entries = [ComparisonReport.Entry(method: "raw-pixel kNN (no training)", labelsUsed: data.labeled.count,
                                              test: ["accuracy": pixels.top1, "top5": pixels.top5], seconds: Date().timeIntervalSince(start),
                                              report: HTMLReport(title: "raw-pixel kNN", history: [], confusion: nil, classNames: [],
                                                                 summary: [pixels.summary]))]
        var curves: [(String, AccuracyOverTime)] = []
        var previous: RunOutcome?
        for step in Self.plan(budget: budget) {
            let clock = AccuracyOverTime(images: chartLoader, start: start.addingTimeInterval(curves.map(\.1.measuringSeconds).reduce(0, +)))
            if let last = curves.last?.1.points.last, step.continuesPrevious { clock.record(seconds: last.seconds, accuracy: last.accuracy) }
            // The budget is wall time: the chart's measurements count against it too.
            let remaining = budget * 60 - Date().timeIntervalSince(start)
            print("\n== \(step.method): \(step.description)")
            let stepStart = Date()
            let outcome = try Experiment.$observers.withValue([clock]) {
                try step.run(common + ["--run-name", step.runName], remaining, previous)
            }
            let seconds = Date().timeIntervalSince(stepStart) - clock.measuringSeconds
            let history = (try? CSVHistory.read(outcome.curves + "/metrics.csv")) ?? []
            let summary = ["\(step.method): test accuracy \(Experiment.accuracyText(outcome.test)); \(outcome.labelsUsed) labels; "
                           + "\(ComparisonReport.duration(seconds)); run folder \(outcome.directory)"]
            entries.append(ComparisonReport.Entry(method: step.method, labelsUsed: outcome.labelsUsed, test: outcome.test, seconds: seconds,
                                                  report: HTMLReport(title: step.method, history: history, confusion: outcome.confusion,
                                                                     classNames: Self.classNames, summary: summary)))
            curves.append((step.method, clock))
            previous = outcome
        }
        let total = Date().timeIntervalSince(start) - curves.map(\.1.measuringSeconds).reduce(0, +)
        let (best, supervised) = (entries.last!, entries[1])
        let gain = 100 * ((best.test["accuracy"] ?? 0) - (supervised.test["accuracy"] ?? 0))
        let overPixels = 100 * ((best.test["accuracy"] ?? 0) - pixels.top1)
        let notes = [String(format: "%@ vs %@ on the same %d labels: %+.2f points of test top-1 (%+.2f over raw-pixel kNN); %@ in all on %@.",
                            best.method, supervised.method, data.labeled.count, gain, overPixels, ComparisonReport.duration(total), Self.machine)]
            + (gain > 0 ? [] : ["The label-efficient pipeline did not beat supervised training in this budget: give it more time with --minutes."])
        let chart = LineChart(series: curves.map { LineChart.Series(label: $0.0, points: $0.1.points.map { ($0.seconds, $0.accuracy) }) }
                                  + [LineChart.Series(label: "raw-pixel kNN", points: [(0, pixels.top1), (total, pixels.top1)])],
                              xTitle: "wall time (s); accuracy on \(Self.chartImages) test images after each epoch",
                              xTicks: Self.timeTicks(upTo: total), percent: true, minimumXSpan: 1)
        let report = ComparisonReport(title: "glean demo: \(labelsPerClass) labels per class on Fashion-MNIST", notes: notes, entries: entries,
                                      figures: ["<h2>Test accuracy over wall time</h2>\n" + chart.svg()])
        try report.write(to: directory.path + "/report.html")
        try AtomicFile.write(Data((report.table + [""] + notes).joined(separator: "\n").utf8 + [10]), to: directory.path + "/report.txt")
        print("")
        report.table.forEach { print($0) }
        notes.forEach { print($0) }
        print("report: \(directory.path)/report.html")
    }

    /// One method of the demo: its name, what it does, and how it runs given the common options,
    /// the seconds left and the previous method's outcome.
    public struct Step {
        public let method: String, runName: String, description: String
        /// Whether its curve starts where the previous step's ended (a warm start).
        public let continuesPrevious: Bool
        public let run: ([String], Double, RunOutcome?) throws -> RunOutcome
    }

    /// The supervised baseline gets a fixed recipe that it converges within (400 steps with
    /// --quick, else 800); FixMatch starts from its weights, head included, and gets the rest of
    /// the budget, timed on this machine (its epoch count corrected from its first epochs).
    /// FixMatch's settings where they differ from USB's, for short CPU budgets (measured in
    /// docs/demo-and-supervised.md): batch 16 and mu 3 (more steps of fewer images), dropout off
    /// (as USB's networks), pseudo-labels from an eval-mode pass over the weak view (no backward
    /// pass over it), unlabeled loss weight 2 (a warm-started model has few steps to learn from
    /// its confident pseudo-labels), distribution alignment to the labels' class shares (a class
    /// the warm start under-predicts still gets pseudo-labels), and a constant rate (the weight
    /// average it is evaluated with does the smoothing; a cosine decay spends the last third of a
    /// few-thousand-step run at rates too small to learn from the pseudo-labels).
    public static func plan(budget: Double) -> [Step] {
        let baselineEpochs = budget < 5 ? 4 : 8
        let stepsPerEpoch = budget < 5 ? 50 : 100
        return [
            Step(method: "supervised only", runName: "supervised",
                 description: "seednet on the labeled images alone, flip + crop, \(baselineEpochs) x 100 steps of 32 images",
                 continuesPrevious: false) { options, _, _ in
                try TrainRun(TrainSettings.parse(options + [
                    "--model", "seednet", "--augment", "flip-crop", "--batch-size", "32", "--optimizer", "nesterov", "--learning-rate", "0.03",
                    "--ema-decay", "0.999", "--steps-per-epoch", "100", "--epochs", String(baselineEpochs)])).run()
            },
            Step(method: "FixMatch from the supervised model", runName: "fixmatch",
                 description: "the labeled images + every training image unlabeled (mu 3), warm start from the supervised model, the rest of the time budget",
                 continuesPrevious: true) { options, seconds, previous in
                try SemiRun(SemiSettings.parse(options + [
                    "--method", "fixmatch", "--model", "seednet", "--dropout", "0", "--pseudo-label-pass", "eval", "--unlabeled-ratio", "3", "--batch-size", "16", "--unlabeled-weight", "2",
                    "--distribution-alignment", "true", "--schedule", "constant", "--steps-per-epoch", String(stepsPerEpoch),
                    "--init", previous!.directory + "/last.safetensors", "--init-head", "keep",
                    "--minutes", String(format: "%.2f", max(seconds - 5, 20) / 60)])).run()
            },
        ]
    }

    /// The machine the demo ran on, as its notes name it.
    public static var machine: String {
        "\(MachineDescription.current.summary), oneDNN ISA \(MixedPrecision.isaName), \(Parallelism.workers) threads"
    }

    /// Tick marks every 10 s, 30 s, 1, 2 or 5 minutes, whichever gives at most 10 up to `seconds`.
    public static func timeTicks(upTo seconds: Double) -> [(x: Double, label: String)] {
        let step = [10.0, 30, 60, 120, 300, 600, 1800].first { seconds / $0 <= 10 } ?? 3600
        return stride(from: 0, through: seconds, by: step).map { ($0, $0 < 60 || step < 60 ? String(format: "%.0fs", $0) : String(format: "%.0fm", $0 / 60)) }
    }

    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
}
