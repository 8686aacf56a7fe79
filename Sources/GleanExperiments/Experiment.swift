import Foundation
import GleanConfig
import Glean

/// What every experiment command does around its method: the run directory with its
/// `config.yaml`, `train.log`, checkpoints and metrics, the standard callbacks, exact resume,
/// and the final test report (`report.txt`, `report.html`). The test split is touched once,
/// in `report`.
public final class Experiment {
    public let directory: RunDirectory
    public let log: RunLog
    /// The run's settings as in its `config.yaml` (the epoch count as a time budget corrected it).
    public private(set) var settingsYAML: String
    public private(set) var settingsEntries: [(name: String, value: String)]
    /// The settings with one option changed (how a time budget's corrected epoch count is written).
    private let changingSetting: (_ key: String, _ value: String) throws -> (yaml: String, entries: [(name: String, value: String)])
    public let isResuming: Bool
    /// Whether trainers synchronise batch norm over the ranks (`--sync-batchnorm`).
    private let synchronizesBatchNorm: Bool
    public var resumePath: String { directory.path + "/resume.safetensors" }

    /// Callbacks that every trainer made inside `Experiment.$observers.withValue(…) { … }` gets
    /// besides the standard set: how a driver such as `glean demo` watches the runs it starts.
    @TaskLocal public static var observers: [Callback] = []

    /// Opens `resume` or creates `<runs-dir>/<date>_<time>_<name>` (name: `--run-name`, else
    /// `defaultName`) and writes the config. A run made of `stages` keeps its resume files in
    /// the stages' folders (see `stage(_:settings:)`).
    public init<Settings: CommandSettings>(settings: Settings, defaultName: String, resume: String?, stages: Bool = false) throws {
        let run = settings.run
        settingsYAML = settings.yaml
        settingsEntries = settings.entries
        changingSetting = Self.changing(settings)
        isResuming = resume != nil
        synchronizesBatchNorm = run.syncBatchNorm
        try DataParallelLaunch.start()
        try DataParallelLaunch.checkSameRun(settingsYAML: settings.yaml)
        if let resume {
            directory = try DataParallelLaunch.resumeDirectory(resume) { path in
                guard stages || FileManager.default.fileExists(atPath: path + "/resume.safetensors") else {
                    throw ExperimentError("--resume \(path): no resume.safetensors there (the run ended before its first epoch, or this is not a run directory)")
                }
            }
        } else {
            directory = try DataParallelLaunch.runDirectory {
                try RunDirectory.create(name: run.runName.isEmpty ? defaultName : run.runName, root: run.runsDir)
            }
            try directory.writeConfig(settings.yaml)
        }
        log = try RunLog(path: directory.path + "/train.log")
        if let note = PrecisionOption.apply(run.precision) { log.write("note: " + note) }
        if DataParallel.group.size > 1 {
            let group = DataParallel.group
            say("data parallel: rank \(group.rank) of \(group.size) on \(group.host); --batch-size is the global batch, split over the ranks"
                + (run.syncBatchNorm ? "; batch norm normalises with the global batch's statistics" : ""))
        }
        if MixedPrecision.active == .bf16 { say("arithmetic: bf16 mixed precision (oneDNN ISA \(MixedPrecision.isaName))") }
    }

    /// A stage of this run (a self-training teacher or round) in the folder `name` inside it,
    /// with its own config, log, checkpoints and resume file. It resumes when the folder holds
    /// a resume file; `settings` are then those of the stage's `config.yaml`.
    private init<Settings: CommandSettings>(stageDirectory: RunDirectory, settings: Settings) throws {
        directory = stageDirectory
        settingsYAML = settings.yaml
        settingsEntries = settings.entries
        changingSetting = Self.changing(settings)
        synchronizesBatchNorm = settings.run.syncBatchNorm
        isResuming = FileManager.default.fileExists(atPath: stageDirectory.path + "/resume.safetensors")
        log = try RunLog(path: stageDirectory.path + "/train.log")
    }

    /// The stage `name` of this run: opened as it is when it was started before (its settings
    /// are then read from its `config.yaml`), else created with `settings` after `prepare` has
    /// settled what it leaves open (e.g. epochs from a time budget).
    public func stage<Settings: CommandSettings>(_ name: String, settings: Settings,
                                          prepare: (inout Settings) throws -> Void = { _ in }) throws -> (experiment: Experiment, settings: Settings) {
        let stageDirectory = RunDirectory(path: directory.path + "/" + name)
        let started = FileManager.default.fileExists(atPath: stageDirectory.path + "/config.yaml")
        var stageSettings = settings
        if started {
            stageSettings = try Settings.load(runDirectory: stageDirectory.path)
        } else {
            try prepare(&stageSettings)
            do {
                try FileManager.default.createDirectory(atPath: stageDirectory.path, withIntermediateDirectories: true)
            } catch {
                throw FileWriteError(path: stageDirectory.path, reason: "cannot create the stage directory: \(error.localizedDescription)")
            }
            try stageDirectory.writeConfig(stageSettings.yaml)
        }
        return (try Experiment(stageDirectory: stageDirectory, settings: stageSettings), stageSettings)
    }

    private static func changing<Settings: CommandSettings>(_ settings: Settings) -> (String, String) throws -> (yaml: String, entries: [(name: String, value: String)]) {
        { key, value in
            var changed = settings
            try changed.set(key, value, source: "config.yaml")
            return (changed.yaml, changed.entries)
        }
    }

    /// Whether a stage opened by `stage(_:settings:)` finished (wrote its report).
    public var isFinished: Bool { FileManager.default.fileExists(atPath: directory.path + "/report.txt") }

    /// Prints a line and appends it to the run's log.
    public func say(_ text: String) {
        print(text)
        fflush(stdout)
        log.write(text)
    }

    /// Progress, CSV metrics, checkpoints (`best.safetensors` by `monitor` when there is
    /// validation, `last.safetensors` always; the best weights are back in the model when
    /// training ends, for the final report), early stopping and the resume file.
    /// `checkpointState` turns the trained model's state into what the checkpoints hold.
    private func callbacks(monitor: String?, checkpointMetadata: [String: String], earlyStoppingPatience: Int,
                           checkpointState: (([(String, StoredTensor)]) -> [(String, StoredTensor)])?, restoreBest: Bool) -> [Callback] {
        var callbacks: [Callback] = [
            ProgressPrinter(log: log),
            CSVLogger(path: directory.path + "/metrics.csv"),
            ModelCheckpoint(directory: directory.path, monitor: monitor, extraMetadata: checkpointMetadata, stateTransform: checkpointState,
                            restoreBestWeights: restoreBest),
            ResumeCheckpoint(path: resumePath, config: settingsYAML),
        ]
        if earlyStoppingPatience > 0, let monitor {
            callbacks.append(EarlyStopping(monitor: monitor, patience: earlyStoppingPatience, restoreBestWeights: restoreBest))
        }
        return callbacks
    }

    /// The trainer of a run: `optimization`'s optimizer over `groups` (default: every trainable
    /// parameter at the full rate), its schedule over `stepsPerEpoch`-step epochs, its weight
    /// average, and the standard callbacks with checkpoints described by `checkpoint` (best by
    /// `monitor`, nil: last only; with `restoreBest` and `--final-weights best` its weights are
    /// back in the model at the end) plus `extraCallbacks`. With a time budget on a new run, the
    /// epoch count is corrected from the first epochs' measured time (`TimeBudgetReplan`): the
    /// schedule, `config.yaml` and the resume file follow, and `replanned` gets the new count for
    /// whatever else the run sized by its epochs. Where nothing follows the count (a schedule
    /// that does not, and no `replanned`) every epoch corrects it.
    public func trainer(task: TrainingTask, optimization: OptimizationOptions, groups: [(parameters: [Parameter], rateScale: Float)]? = nil,
                 stepsPerEpoch: Int, monitor: String?, checkpoint: CheckpointDescription,
                 checkpointState: (([(String, StoredTensor)]) -> [(String, StoredTensor)])? = nil,
                 restoreBest: Bool = true, extraCallbacks: [Callback] = [], replanned: ((_ epochs: Int) -> Void)? = nil) -> Trainer {
        if synchronizesBatchNorm { DataParallel.synchronizeBatchNorm(in: task.model) }
        let trainer = Trainer(task: task, optimizer: optimization.makeOptimizer(groups ?? [(task.model.trainableParameters, 1)]),
                schedule: optimization.makeSchedule(stepsPerEpoch: stepsPerEpoch, epochs: optimization.epochs),
                callbacks: callbacks(monitor: monitor, checkpointMetadata: checkpoint.metadata,
                                     earlyStoppingPatience: optimization.earlyStoppingPatience, checkpointState: checkpointState,
                                     restoreBest: restoreBest && optimization.keepsBestWeights)
                    + extraCallbacks + Self.observers + [optimization.plateauCallback(monitor: monitor.map { $0 == "val_accuracy" ? "val_loss" : $0 } ?? "loss")]
                        .compactMap { $0 },
                weightAverage: optimization.emaDecay > 0 ? ExponentialMovingAverage(model: task.model, decay: optimization.emaDecay) : nil)
        if optimization.minutes > 0 && !isResuming {
            let planned = optimization.epochs
            trainer.callbacks.append(TimeBudgetReplan(minutes: optimization.minutes, budgetStart: optimization.budgetStart?.timeIntervalSinceReferenceDate,
                                                     throughout: !optimization.scheduleFollowsEpochs && replanned == nil) { [unowned self, unowned trainer] epochs, epochSeconds in
                trainer.schedule = optimization.makeSchedule(stepsPerEpoch: stepsPerEpoch, epochs: epochs)
                try self.recordEpochs(epochs, in: trainer)
                replanned?(epochs)
                self.say(String(format: "time budget %.1f min: an epoch takes %.1f s here, validation included -> %d epochs (%d planned from the timed steps)",
                                optimization.minutes, epochSeconds, epochs, planned))
            })
        }
        return trainer
    }

    /// Writes a corrected epoch count into `config.yaml` and the resume file's copy of it, so
    /// that `--resume` continues the run as it now stands.
    private func recordEpochs(_ epochs: Int, in trainer: Trainer) throws {
        (settingsYAML, settingsEntries) = try changingSetting("epochs", String(epochs))
        try directory.writeConfig(settingsYAML)
        trainer.callbacks.compactMap { $0 as? ResumeCheckpoint }.forEach { $0.config = settingsYAML }
    }

    /// Runs (or continues) the training.
    @discardableResult
    public func fit(_ trainer: Trainer, labeled: BatchSource? = nil, unlabeled: BatchSource? = nil, validation: Validation?,
             epochs: Int) throws -> [EpochMetrics] {
        var position: ResumeState.Position?
        if isResuming {
            let restored = try trainer.restore(from: resumePath)
            guard restored.config == settingsYAML else {
                throw ExperimentError("--resume \(directory.path): resume.safetensors was written with other options than config.yaml:\n\(restored.config)")
            }
            say("resuming \(directory.path) at epoch \(restored.nextEpoch + 1) of \(epochs)")
            position = restored
        }
        say("run directory: \(directory.path)" + (validation == nil ? "  (no validation: the last epoch's weights are kept)" : ""))
        return try trainer.fit(labeled: labeled, unlabeled: unlabeled, validation: validation, epochs: epochs, resuming: position)
    }

    /// Writes `report.txt` and `report.html` (curves from `metrics.csv`, the confusion matrix
    /// when given) and prints the summary.
    public func report(title: String, summary: [String], confusion: ConfusionMatrix?, classNames: [String]) throws {
        let text = confusion.map { $0.report(classNames: classNames) } ?? ""
        try AtomicFile.write(Data((summary.joined(separator: "\n") + "\n" + text).utf8), to: directory.path + "/report.txt")
        let history = (try? CSVHistory.read(directory.path + "/metrics.csv")) ?? []
        try HTMLReport(title: title, history: history, confusion: confusion, classNames: classNames, summary: summary,
                       settings: settingsEntries).write(to: directory.path + "/report.html")
        if !text.isEmpty { say(text) }
        say("report: \(directory.path)/report.html")
        summary.forEach(say)
    }
}

/// What a finished run hands back to a driver such as `glean demo`: where it is, its test
/// figures and confusion matrix, the labels it used, and the folder holding its training curves.
public struct RunOutcome {
    public let directory: String
    public let test: EpochMetrics
    public let confusion: ConfusionMatrix
    public let labelsUsed: Int
    /// The folder whose `metrics.csv` holds the curves of the final model's training.
    public let curves: String
}

extension Experiment {
    /// The one look at the test split: top-1/top-5 and the confusion matrix of the trained
    /// classifier (with its evaluation weights), written to the reports.
    @discardableResult
    public func reportTest(_ trainer: Trainer, test: BatchSource, data: ExperimentData, title: String,
                    extraSummary: [String] = []) throws -> RunOutcome {
        let (metrics, confusion) = try trainer.withEvaluationWeights { try ClassificationValidation.evaluate(trainer.task.model, on: test) }
        let selected = trainer.callbacks.compactMap { $0 as? ModelCheckpoint }.first { $0.restoreBestWeights }?.bestEpoch
            .map { "best validation epoch \($0)" } ?? "last epoch"
        let summary = ["final test accuracy: \(Self.accuracyText(metrics)) on \(data.test.count) test images; \(data.labelsUsed) labels used; "
                       + "weights of the \(selected)"] + Self.smallTestNote(accuracy: metrics["accuracy"] ?? 0, count: data.test.count)
            + extraSummary + pixelBaseline(data: data, method: "this model", top1: metrics["accuracy"] ?? 0)
        try report(title: title, summary: summary, confusion: confusion, classNames: data.test.classNames)
        return RunOutcome(directory: directory.path, test: metrics, confusion: confusion, labelsUsed: data.labelsUsed, curves: directory.path)
    }

    /// Labeled sets up to this size get the raw-pixel baseline in their report (beyond it labels
    /// are not scarce, and the search over the bank takes longer than it tells).
    public static let pixelBaselineLimit = 20_000

    /// The raw-pixel kNN baseline on the run's labeled images (`PixelBaseline`) and how the
    /// method's `top1` compares, for the report; empty for labeled sets over `pixelBaselineLimit`
    /// unless `always`.
    public func pixelBaseline(data: ExperimentData, method: String, top1: Double, k: Int = PixelBaseline.k, always: Bool = false) -> [String] {
        guard always || data.labeled.count <= Self.pixelBaselineLimit else { return [] }
        return PixelBaseline.summary(PixelBaseline.knn(labeled: data.labeled, validation: data.validation, test: data.test, k: k),
                                     method: method, top1: top1)
    }

    /// Test sets below this size get the 95% interval of their accuracy in the report.
    public static let smallTestSet = 2000

    /// For a test split of under `smallTestSet` images, a line with the 95% Wilson interval of
    /// `accuracy` measured on `count` images: how little a figure on few images says.
    public static func smallTestNote(accuracy: Double, count: Int) -> [String] {
        guard count > 0, count < smallTestSet else { return [] }
        let (n, z) = (Double(count), 1.96)
        let centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (accuracy * (1 - accuracy) / n + z * z / (4 * n * n)).squareRoot()
        return [String(format: "only %d test images: the true accuracy lies in %.1f–%.1f%% (95%% Wilson interval); "
                       + "a separate --test-dir of a few hundred images narrows it", count, 100 * max(0, centre - half), 100 * min(1, centre + half))]
    }

    /// `84.28% (top-5 99.62%)` from classification metrics (top-5 only with 5 classes or more).
    public static func accuracyText(_ metrics: EpochMetrics) -> String {
        String(format: "%.2f%%", 100 * (metrics["accuracy"] ?? 0)) + (metrics["top5"].map { String(format: " (top-5 %.2f%%)", 100 * $0) } ?? "")
    }
}
