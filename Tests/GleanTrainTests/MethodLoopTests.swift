import Foundation
import Glean
import GleanTestSupport
import Testing

/// A two-stream task for the loop's tests: cross-entropy on the labeled batch plus a weighted
/// consistency term between the unlabeled images and their augmented view, with a weight that
/// grows by a counter the task keeps (state a resumed run must restore).
final class ConsistencyTask: TrainingTask {
    let model: Module
    var inputs: StepInputs { .labeledAndUnlabeled }
    private(set) var updates = 0
    private(set) var contexts: [StepContext] = []

    init(model: Module) { self.model = model }

    func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        contexts.append(context)
        model.train()
        let labeled = batch.labeled!, unlabeled = batch.unlabeled!
        let logits = model(labeled.images)
        let supervised = logits.crossEntropy(labels: labeled.labels)
        let consistency = model(unlabeled.images).softmax(axis: 1)
            .meanSquaredError(targets: withoutGradients { model(unlabeled.views[0]).softmax(axis: 1) })
        let weight = Float(min(updates, 10)) / 10
        return StepOutput(loss: supervised + weight * consistency, logits: logits, labels: labeled.labels,
                          exampleCount: labeled.labels.count + unlabeled.labels.count,
                          scalars: ["loss_x": Double(supervised.item), "loss_u": Double(consistency.item)])
    }

    func afterOptimizerStep(_ context: StepContext) { updates += 1 }

    func saveState() -> SavedState { SavedState(metadata: ["updates": String(updates)]) }

    func restoreState(_ state: SavedState) throws {
        guard let value = state.metadata["updates"].flatMap(Int.init) else {
            throw CheckpointError.mismatch(reason: "no 'updates'")
        }
        updates = value
    }
}

@Suite struct MethodLoopTests {
    static func loaders(seed: UInt64) -> (labeled: DataLoader, unlabeled: DataLoader, validation: DataLoader) {
        let labeled = TrainerTests.halves(count: 12, seed: seed), unlabeled = TrainerTests.halves(count: 48, seed: seed + 1)
        let flip = RandomHorizontalFlip()
        return (DataLoader(dataset: labeled, batchSize: 8, sampler: RandomSampler(count: 12, seed: 1),
                           transform: RandomCrop(size: 8, padding: 1), mean: [0.5], std: [0.25], seed: 2),
                DataLoader(dataset: unlabeled, batchSize: 16, sampler: RandomSampler(count: 48, seed: 3),
                           views: [Compose([flip, RandomCrop(size: 8, padding: 1)])], mean: [0.5], std: [0.25],
                           dropLast: true, seed: 4),
                TrainerTests.loader(TrainerTests.halves(count: 32, seed: seed + 2), shuffle: false))
    }

    @Test func twoStreamStepsSeeContextScalarsAndTheEndlessLabeledStream() throws {
        let (labeled, unlabeled, validation) = Self.loaders(seed: 10)
        let task = ConsistencyTask(model: TrainerTests.smallNet(seed: 1))
        let trainer = Trainer(task: task, optimizer: SGD(task.model.trainableParameters, learningRate: 0.05, momentum: 0.9))
        let history = try trainer.fit(labeled: labeled, unlabeled: unlabeled, validation: ClassificationValidation(validation),
                                      epochs: 2)
        // An epoch is one pass over the 48 unlabeled images: 3 steps; labeled batches wrap around.
        #expect(task.contexts.count == 6 && task.updates == 6)
        #expect(task.contexts[4] == StepContext(globalStep: 4, epoch: 1, stepInEpoch: 1, stepsPerEpoch: 3, totalSteps: 6))
        #expect(history.allSatisfy { $0["loss_x"] != nil && $0["loss_u"] != nil && $0["val_accuracy"] != nil })
        #expect(history[0]["images_per_s"]! > 0)
    }

    @Test func endlessStreamContinuesFromItsPosition() {
        let (labeled, _, _) = Self.loaders(seed: 10)
        let whole = Array(EndlessBatchStream(loader: labeled).next(7))
        let continued = EndlessBatchStream(loader: labeled, position: 4)
        let tail = Array(continued.next(3))
        #expect(continued.position == 7)
        #expect(zip(whole.suffix(3), tail).allSatisfy { $0.indices == $1.indices && $0.images.scalars == $1.images.scalars })
        // 12 images in batches of 8: the second batch carries over into the next pass.
        #expect(whole[1].indices.count == 8 && Set(whole[0].indices + whole[1].indices.prefix(4)).count == 12)
    }

    @Test func weightAverageFollowsTheModelAndIsWhatValidationSees() throws {
        let model = TrainerTests.smallNet(seed: 3)
        let average = ExponentialMovingAverage(model: model, decay: 0.5)
        let before = model.parameters[0].value.scalars
        model.parameters[0].assign(model.parameters[0].value + 2)
        average.update(step: 1000)
        let averaged = try #require(average.stateDict().first { $0.0 == "0.weight" }?.1)
        guard case let .float(values, _) = averaged else { Issue.record("not float"); return }
        #expect(zip(values, before).allSatisfy { abs($0 - ($1 + 1)) < 1e-6 })
        let seen = average.withAveragedWeights { model.parameters[0].value.scalars }
        #expect(seen == values && model.parameters[0].value.scalars == before.map { $0 + 2 })
    }

    /// Labeled + unlabeled streams, task state, EMA, early stopping and best-checkpoint state:
    /// 2 epochs, a "new process", 2 more equals 4 straight, bit for bit.
    @Test func resumeIsExactWithTaskStateAverageAndCallbacks() throws {
        let scratch = ScratchDirectory("method-resume")
        func build(_ directory: String) -> (Trainer, ConsistencyTask, ExponentialMovingAverage) {
            let task = ConsistencyTask(model: TrainerTests.smallNet(seed: 4))
            let average = ExponentialMovingAverage(model: task.model, decay: 0.9)
            let trainer = Trainer(task: task, optimizer: Adam(task.model.trainableParameters, learningRate: 0.01),
                                  schedule: CosineWithWarmup(warmupSteps: 2, totalSteps: 12),
                                  callbacks: [ResumeCheckpoint(path: directory + "/resume.safetensors", config: "c"),
                                              ModelCheckpoint(directory: directory, monitor: "val_accuracy"),
                                              EarlyStopping(monitor: "val_loss", patience: 5),
                                              ReduceLearningRateOnPlateau(monitor: "val_loss", patience: 1)],
                                  weightAverage: average)
            return (trainer, task, average)
        }
        let (labeled, unlabeled, validation) = Self.loaders(seed: 20)
        try FileManager.default.createDirectory(atPath: scratch.path + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path + "/b", withIntermediateDirectories: true)
        let (straight, straightTask, straightAverage) = build(scratch.path + "/a")
        let full = try straight.fit(labeled: labeled, unlabeled: unlabeled, validation: ClassificationValidation(validation), epochs: 4)
        let (first, _, _) = build(scratch.path + "/b")
        try first.fit(labeled: labeled, unlabeled: unlabeled, validation: ClassificationValidation(validation), epochs: 2)
        let (second, secondTask, secondAverage) = build(scratch.path + "/b")
        let position = try second.restore(from: scratch.path + "/b/resume.safetensors")
        #expect(position.labeledStreamPosition == 6 && secondTask.updates == 6)
        let resumed = try second.fit(labeled: labeled, unlabeled: unlabeled, validation: ClassificationValidation(validation),
                                     epochs: 4, resuming: position)
        #expect(secondTask.model.parameters.map(\.value.scalars) == straightTask.model.parameters.map(\.value.scalars))
        #expect(secondAverage.stateDict().map(\.1) == straightAverage.stateDict().map(\.1))
        #expect(resumed.map { $0.filter { $0.key != "seconds" && $0.key != "images_per_s" } }
                == full.map { $0.filter { $0.key != "seconds" && $0.key != "images_per_s" } })
        let bestA = try SafeTensors.read(scratch.path + "/a/best.safetensors"), bestB = try SafeTensors.read(scratch.path + "/b/best.safetensors")
        #expect(bestA.tensors == bestB.tensors && bestA.metadata["epoch"] == bestB.metadata["epoch"])
    }
}

@Suite struct FixedLengthEpochTests {
    /// Epoch e is batches e·N ..< (e+1)·N of the endless stream, passes running across epochs.
    @Test func epochsAreConsecutiveSlicesOfTheStream() {
        let loader = DataLoader(dataset: TrainerTests.halves(count: 20, seed: 1), batchSize: 8, sampler: RandomSampler(count: 20, seed: 2),
                                transform: RandomHorizontalFlip(), mean: [0.5], std: [0.25], seed: 3)
        let epochs = FixedLengthEpochs(loader, stepsPerEpoch: 3)
        #expect(epochs.batchCount(epoch: 5) == 3 && (epochs as BatchSource).batchCount(epoch: 0) == 3)
        let stream = Array(EndlessBatchStream(loader: loader).next(9))
        let sliced = (0..<3).flatMap { Array(epochs.batches(epoch: $0)) }
        #expect(sliced.count == 9)
        #expect(zip(stream, sliced).allSatisfy { $0.indices == $1.indices && $0.images.scalars == $1.images.scalars })
        #expect(Array(epochs.batches(epoch: 2)).map(\.indices) == sliced[6...].map(\.indices))
    }
}

@Suite struct TimeBudgetTests {
    /// 30 minutes with 234-second epochs, 10% kept back: floor(1620 / 234) = 6.
    @Test func epochsFitTheBudget() {
        #expect(TimeBudget.epochs(fitting: 30, epochSeconds: 234) == 6)
        #expect(TimeBudget.epochs(fitting: 0.01, epochSeconds: 5000) == 1)
        #expect(TimeBudget.epochs(fitting: 10_080, epochSeconds: 1e-9) == TimeBudget.maximumEpochs)
    }

    /// A clock that each epoch advances by its time: `firstSeconds` for the first epochs, then
    /// `secondsPerEpoch`.
    final class EpochClock: Callback {
        var seconds = 0.0, epochs = 0
        let secondsPerEpoch: Double, firstSeconds: [Double]
        init(secondsPerEpoch: Double, firstSeconds: [Double] = []) { (self.secondsPerEpoch, self.firstSeconds) = (secondsPerEpoch, firstSeconds) }
        func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
            seconds += epochs < firstSeconds.count ? firstSeconds[epochs] : secondsPerEpoch
            epochs += 1
        }
    }

    /// Trains `planned` epochs under a one-minute budget (58.2 s after the final reserve) whose
    /// epochs take `secondsPerEpoch` (`firstSeconds` for the first ones), `spentBefore` seconds of
    /// it gone before training; returns the epochs trained, the counts the re-plan reported and
    /// the seconds the epochs took.
    private func budgetedRun(planned: Int, secondsPerEpoch: Double, firstSeconds: [Double] = [], spentBefore: Double? = nil,
                             throughout: Bool = false) throws -> (trained: Int, replans: [Int], seconds: Double) {
        let clock = EpochClock(secondsPerEpoch: secondsPerEpoch, firstSeconds: firstSeconds)
        var replans: [Int] = []
        let replan = TimeBudgetReplan(minutes: 1, budgetStart: spentBefore.map { -$0 }, throughout: throughout,
                                      clock: { clock.seconds }) { epochs, epochSeconds in
            if firstSeconds.isEmpty { #expect(epochSeconds == secondsPerEpoch) }
            replans.append(epochs)
        }
        let model = TrainerTests.smallNet(seed: 8)
        let trainer = Trainer(task: SupervisedClassification(model: model), optimizer: SGD(model.trainableParameters, learningRate: 0.01),
                              callbacks: [clock, replan])
        let history = try trainer.fit(train: TrainerTests.loader(TrainerTests.halves(count: 32, seed: 1), shuffle: true), epochs: planned)
        return (history.count, replans, clock.seconds)
    }

    /// Epochs that speed up after the first tenth (6 s twice, then 3 s): the first epoch plans
    /// 1 + floor(52.2 / 6) = 9, which later epochs keep; with `throughout` (a run whose schedule
    /// does not follow the count) every epoch re-plans from the mean so far, and the run ends
    /// after 17 epochs, 57 s, inside the 58.2 s.
    @Test func correctingThroughoutFollowsEpochsThatSpeedUp() throws {
        let once = try budgetedRun(planned: 3, secondsPerEpoch: 3, firstSeconds: [6, 6])
        #expect(once.trained == 9 && once.replans == [9])
        let throughout = try budgetedRun(planned: 3, secondsPerEpoch: 3, firstSeconds: [6, 6], throughout: true)
        #expect(throughout.trained == 17 && throughout.replans.first == 9 && throughout.replans.last == 17)
        #expect(throughout.seconds == 57)
    }

    /// Epochs faster than planned: 3 planned, 6 s each, so 1 + floor((58.2 - 6) / 6) = 9 are
    /// trained, decided after the first epoch (the first tenth of 3, at least one).
    @Test func fasterEpochsThanPlannedLengthenTheRun() throws {
        let run = try budgetedRun(planned: 3, secondsPerEpoch: 6)
        #expect(run.trained == 9 && run.replans == [9])
    }

    /// The budget counts from before training: with 12 s gone on reading and timing, 6-second
    /// epochs fit 1 + floor((58.2 - 18) / 6) = 7.
    @Test func timeSpentBeforeTrainingCounts() throws {
        let run = try budgetedRun(planned: 3, secondsPerEpoch: 6, spentBefore: 12)
        #expect(run.trained == 7 && run.replans == [7])
        #expect(TimeBudget.epochs(done: 4, spent: 70, fitting: 1, epochSeconds: 5) == 4)
    }

    /// Epochs slower than planned: 20 planned, 20 s each, so the run ends after
    /// 1 + floor(38.2 / 20) = 2; the second epoch (still in the first tenth) confirms the count
    /// without a new report.
    @Test func slowerEpochsThanPlannedShortenTheRun() throws {
        let run = try budgetedRun(planned: 20, secondsPerEpoch: 20)
        #expect(run.trained == 2 && run.replans == [2])
    }

    /// Epochs as planned change nothing.
    @Test func epochsAsPlannedKeepThePlan() throws {
        let run = try budgetedRun(planned: 5, secondsPerEpoch: 10)
        #expect(run.trained == 5 && run.replans.isEmpty)
    }

    /// Timing runs steps but leaves the model exactly as it was.
    @Test func timingChangesNothing() {
        let task = SupervisedClassification(model: TrainerTests.smallNet(seed: 8))
        let before = task.model.stateDict()
        let seconds = TimeBudget.secondsPerStep(task: task, labeled: TrainerTests.loader(TrainerTests.halves(count: 64, seed: 1), shuffle: true),
                                                unlabeled: nil, steps: 2)
        #expect(seconds > 0 && task.model.stateDict().map(\.1) == before.map(\.1))
    }

    /// A labeled loader of one batch (10 labels per class with a large batch) wraps around
    /// while the unlabeled loader supplies the timed steps.
    @Test func labeledStreamShorterThanTheTimedStepsWrapsAround() {
        let task = ConsistencyTask(model: TrainerTests.smallNet(seed: 8))
        let labeled = TrainerTests.loader(TrainerTests.halves(count: 12, seed: 1), shuffle: true)
        let unlabeled = DataLoader(dataset: TrainerTests.halves(count: 64, seed: 2), batchSize: 16, sampler: RandomSampler(count: 64, seed: 3),
                                   views: [RandomHorizontalFlip()], mean: [0.5], std: [0.25], seed: 4)
        #expect(labeled.batchCount(epoch: 0) == 1)
        #expect(TimeBudget.secondsPerStep(task: task, labeled: labeled, unlabeled: unlabeled, steps: 3) > 0)
        // Epochs of 50 steps cut from a one-batch labeled loader.
        #expect(TimeBudget.secondsPerStep(task: task, labeled: FixedLengthEpochs(labeled, stepsPerEpoch: 50),
                                          unlabeled: FixedLengthEpochs(unlabeled, stepsPerEpoch: 50), steps: 3) > 0)
    }
}
