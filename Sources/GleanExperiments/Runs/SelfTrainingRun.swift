import Foundation
import GleanConfig
import Glean

/// `glean semi --method pseudo-label-offline|noisy-student`: a teacher trained on the labeled
/// images, then rounds in which the current teacher labels the unlabeled images, the confident
/// (for Noisy Student: class-balanced) ones join the labeled images, and a fresh student
/// trains on both (Noisy Student: with RandAugment noise besides the model's dropout) and
/// becomes the next teacher. Each stage is a folder of the run (`teacher/`, `round-1/`, …)
/// with its own checkpoints, report and resume file; `--resume` skips finished stages and
/// continues the interrupted one. A time budget is shared out as 1 part for the teacher and 2
/// for each round.
public struct SelfTrainingRun {
    public let request: CommandLineRequest<SemiSettings>
    public let data: ExperimentData

    /// A finished stage's model (with its best validation weights) and its accuracies.
    private struct StageResult {
        public let name: String
        public let model: Module
        /// The checkpoint holding `model`'s weights.
        public let checkpoint: String
        public let validation: Double?
        public let test: (metrics: EpochMetrics, confusion: ConfusionMatrix)
    }

    public func run() throws -> RunOutcome {
        let settings = request.settings
        let (semi, seed) = (settings.semi, settings.run.seed)
        let labeled = data.labeled
        let rounds = semi.resolvedRounds
        let experiment = try Experiment(settings: settings, defaultName: "\(semi.method.rawValue)-\(settings.model.model.rawValue)",
                                        resume: request.resume, stages: true)
        let isNoisy = semi.method == .noisyStudent
        experiment.say("glean semi --method \(semi.method.rawValue): \(settings.model.model.rawValue)\(settings.model.initialisationNote) on \(settings.data.dataset.rawValue); "
            + "\(settings.data.describe(data)); \(data.unlabeled.count) unlabeled images; teacher \(semi.teacherEpochs) epochs, "
            + "\(rounds) round(s) of \(settings.optimization.epochs) epochs; threshold \(semi.resolvedThreshold), \(semi.targets.rawValue) targets"
            + (isNoisy ? ", student noise RandAugment(\(settings.data.augmentation.randAugmentCount), \(settings.data.augmentation.randAugmentMagnitude)) + the model's dropout"
                + (settings.model.stochasticDepth > 0 ? " + stochastic depth \(settings.model.stochasticDepth)" : "") : "")
            + (semi.labeledShare > 0 ? String(format: "; students draw %.0f%% of each epoch from the labeled images", 100 * semi.labeledShare) : "")
            + (semi.studentModel.map { "; students: \($0.rawValue)" } ?? "")
            + "; seed \(seed); run directory \(experiment.directory.path)")
        let loaders = ClassificationLoaders(data: data, batchSize: settings.optimization.batchSize,
                                            transform: settings.data.transform(for: labeled), sampler: settings.data.sampler,
                                            stepsPerEpoch: settings.optimization.stepsPerEpoch, seed: seed)
        let shareMinutes = settings.optimization.minutes / Double(1 + 2 * rounds)
        var teacherSettings = settings
        teacherSettings.optimization.epochs = semi.teacherEpochs
        teacherSettings.optimization.minutes = shareMinutes
        // Noise (stochastic depth, RandAugment) is for the students; the first teacher trains as a plain model.
        teacherSettings.model.stochasticDepth = 0
        let firstModel = try teacherSettings.model.make(classCount: labeled.classCount, channels: labeled.channels, imageSize: labeled.height, seed: seed)
        var results: [StageResult]
        if semi.teacherEpochs == 0 {
            guard !settings.model.initialWeights.isEmpty, settings.model.initialHead == .keep else {
                throw ExperimentError("--teacher-epochs 0 takes the first teacher as it is from --init CHECKPOINT --init-head keep")
            }
            experiment.say("teacher: \(settings.model.initialWeights) as it is (--teacher-epochs 0)")
            results = [StageResult(name: "teacher", model: firstModel, checkpoint: settings.model.initialWeights, validation: nil,
                                   test: try ClassificationValidation.evaluate(firstModel, on: loaders.test))]
        } else {
            results = [try trainStage("teacher", settings: teacherSettings, parent: experiment,
                                      task: SupervisedClassification(model: firstModel, mixing: settings.data.augmentation.batchMixing(classCount: labeled.classCount),
                                                                     seed: seed), loader: loaders.labeled, images: labeled.count, loaders: loaders)]
        }
        let isPropagation = semi.method == .labelPropagation
        // Label propagation labels a seeded subset of the unlabeled images (its graph costs their square).
        var subset = RandomGenerator(seed: seed, stream: "graph")
        let pool = isPropagation && data.unlabeled.count > semi.graphImages
            ? data.unlabeled.subset(Array((0..<data.unlabeled.count).shuffled(using: &subset).prefix(semi.graphImages)).sorted()) : data.unlabeled
        let unlabeledInOrder = ClassificationLoaders.inOrder(pool, data: data)
        for round in 1...rounds {
            let probabilities: [[Float]]
            if isPropagation {
                let start = Date()
                probabilities = try propagatedProbabilities(to: pool, from: results.last!.checkpoint)
                experiment.say(String(format: "round %d: labels propagated over the %d-neighbour graph of %d labeled + %d unlabeled images in %.1fs",
                                      round, semi.graphNeighbours, labeled.count, pool.count, Date().timeIntervalSince(start)))
            } else {
                probabilities = SelfTraining.probabilities(of: results.last!.model, on: unlabeledInOrder)
            }
            let confident = PseudoLabelSelection(threshold: semi.resolvedThreshold).select(probabilities: probabilities).confidentPerClass
            let selection = semi.selection(confidentPerClass: confident).select(probabilities: probabilities)
            let correct = zip(selection.indices, selection.labels).filter { pool.labels[$0] == $1 }.count
            let rightness = data.unlabeledLabelsKnown
                ? String(format: ", %.2f%% of them right (true labels hidden from training)", 100 * Double(correct) / Double(max(selection.indices.count, 1)))
                : ""
            experiment.say(String(format: "round %d: the %@ labels %d of %d unlabeled images with confidence >= %.2f (per class %@); "
                                  + "%d pseudo-labeled examples%@%@",
                                  round, isPropagation ? "propagation" : results.last!.name, confident.reduce(0, +), pool.count, semi.resolvedThreshold,
                                  confident.map(String.init).joined(separator: " "), selection.indices.count,
                                  selection.indices.count > Set(selection.indices).count ? " (balanced: \(Set(selection.indices).count) distinct)" : "",
                                  rightness))
            let (images, targets) = SelfTraining.studentData(labeled: labeled, unlabeled: pool, selection: selection)
            let roundSeed = seed &+ UInt64(round)
            var studentSettings = settings
            studentSettings.optimization.minutes = 2 * shareMinutes
            if let model = semi.studentModel, model != settings.model.model {
                studentSettings.model.model = model
                studentSettings.model.widthOption = nil
            }
            if let width = semi.studentWidth { studentSettings.model.widthOption = width }
            let student = try studentSettings.model.make(classCount: labeled.classCount, channels: labeled.channels, imageSize: labeled.height,
                                                         seed: roundSeed)
            // Propagation's teacher trains on (Iscen et al.): the student starts from its weights.
            if isPropagation { try student.loadStateDict(Dictionary(uniqueKeysWithValues: results.last!.model.stateDict())) }
            let noise = isNoisy ? Compose([semi.augmentation(imageSize: labeled.height, randAugment: settings.data.augmentation.randAugment).weak,
                                           settings.data.augmentation.randAugment])
                : settings.data.transform(for: labeled)
            let order = studentOrder(labels: images.labels, labeledCount: labeled.count, seed: roundSeed)
            let loader = settings.optimization.epochs(of: DataLoader(
                dataset: images, batchSize: settings.optimization.batchSize, sampler: order,
                transform: noise, mean: data.mean, std: data.std, dropLast: images.count >= settings.optimization.batchSize, seed: roundSeed))
            results.append(try trainStage("round-\(round)", settings: studentSettings, parent: experiment,
                                          task: SoftTargetClassification(model: student, targets: targets, mixing: settings.data.augmentation.mixingKind,
                                                                         seed: roundSeed), loader: loader, images: images.count,
                                          loaders: loaders))
        }
        let table = results.map { result in
            "  \(result.name.padding(toLength: 10, withPad: " ", startingAt: 0)) validation "
                + (result.validation.map { String(format: "%.2f%%", 100 * $0) } ?? "-") + "  test " + Experiment.accuracyText(result.test.metrics)
        }
        let final = results.last!
        let summary = ["final test accuracy: \(Experiment.accuracyText(final.test.metrics)) on \(data.test.count) test images; "
                       + "\(data.labelsUsed) labels used; the last student's weights of its "
                       + (loaders.validation != nil && settings.optimization.keepsBestWeights ? "best validation epoch" : "last epoch"),
                       "stages (each chosen by validation; test shown for every stage, used for no choice):"] + table
        try experiment.report(title: "glean semi --method \(semi.method.rawValue): \(settings.model.model.rawValue)", summary: summary,
                              confusion: final.test.confusion, classNames: data.test.classNames)
        return RunOutcome(directory: experiment.directory.path, test: final.test.metrics, confusion: final.test.confusion,
                          labelsUsed: data.labelsUsed, curves: experiment.directory.path + "/" + final.name)
    }

    /// Label propagation's class probabilities for the images of `pool`, from the labeled images
    /// over the graph of their centred pixels, or of the features of the teacher in `checkpoint`
    /// (`--graph-features model`).
    private func propagatedProbabilities(to pool: ImageDataset, from checkpoint: String) throws -> [[Float]] {
        let (settings, labeled) = (request.settings, data.labeled)
        let propagation = LabelPropagation(neighbours: settings.semi.graphNeighbours)
        guard settings.semi.graphFeatures == .model else { return propagation.propagateOverPixels(labeled: labeled, unlabeled: pool).probabilities }
        let encoder = try EncoderOptions(encoder: checkpoint)
            .load(model: settings.model, channels: labeled.channels, imageSize: labeled.height, seed: settings.run.seed).encoder.module
        let features = FeatureSet.extract(encoder, from: ClassificationLoaders.inOrder(labeled.appending(pool), data: data)).features
        return propagation.propagate(features: features, leadingLabels: labeled.labels, classCount: labeled.classCount).probabilities
    }

    /// The order of a student's epoch over `labels` (the labeled images first, then the
    /// pseudo-labeled ones): `--labeled-share` fixes the labeled images' part of each epoch, and
    /// `--sampler balanced` balances the classes (within each part when both apply).
    private func studentOrder(labels: [Int], labeledCount: Int, seed: UInt64) -> Sampler {
        let share = request.settings.semi.labeledShare, balanced = request.settings.data.sampler == .balanced
        if share > 0 && labels.count > labeledCount {
            return WeightedRandomSampler.twoParts(labels: labels, firstCount: labeledCount, firstShare: share,
                                                  classBalanced: balanced, samplesPerEpoch: labels.count, seed: seed)
        }
        if balanced { return WeightedRandomSampler.classBalanced(labels: labels, seed: seed) }
        return RandomSampler(count: labels.count, seed: seed)
    }

    /// Trains (or resumes, or skips when finished) one stage and returns its model with the
    /// weights `--final-weights` keeps (best validation epoch, else last).
    private func trainStage(_ name: String, settings: SemiSettings, parent: Experiment, task: TrainingTask, loader: BatchSource, images: Int,
                            loaders: ClassificationLoaders) throws -> StageResult {
        let (stage, stageSettings) = try parent.stage(name, settings: settings) { fresh in
            try fresh.optimization.resolveEpochs(task: task, labeled: loader, unlabeled: nil, resuming: false, precision: fresh.run.precision)
        }
        let info = CheckpointInfo.classifier(settings.model, data: data)
        if stage.isFinished {
            parent.say("\(name): finished before; loading its weights")
        } else {
            parent.say("\(name): \(stageSettings.optimization.epochs) epochs on \(images) images -> \(stage.directory.path)")
            let trainer = stage.trainer(task: task, optimization: stageSettings.optimization, stepsPerEpoch: loader.batchCount(epoch: 0),
                                        monitor: loaders.monitor, checkpoint: info)
            try stage.fit(trainer, labeled: loader, validation: loaders.validation.map(ClassificationValidation.init),
                          epochs: stageSettings.optimization.epochs)
            try stage.reportTest(trainer, test: loaders.test, data: data, title: "glean semi --method \(settings.semi.method.rawValue): \(name)")
        }
        let checkpoint = stage.directory.path + "/" + stageSettings.optimization.finalCheckpoint(hasValidation: loaders.validation != nil)
        try CheckpointError.naming(checkpoint) { try task.model.loadStateDict(try SafeTensors.read(checkpoint).tensors) }
        let validation = try loaders.validation.map { try ClassificationValidation.evaluate(task.model, on: $0).metrics["accuracy"] ?? 0 }
        return StageResult(name: name, model: task.model, checkpoint: checkpoint, validation: validation,
                           test: try ClassificationValidation.evaluate(task.model, on: loaders.test))
    }
}
