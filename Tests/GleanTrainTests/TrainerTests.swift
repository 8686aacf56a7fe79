import Foundation
import Glean
import GleanTestSupport
@testable import GleanTrain
import Testing

@Suite struct TrainerTests {
    /// Two classes of 8x8 images: bright left half (class 0) or bright right half (class 1), with noise.
    static func halves(count: Int, seed: UInt64) -> ImageDataset {
        var generator = RandomGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [Int] = []
        for index in 0..<count {
            let label = index % 2
            labels.append(label)
            for _ in 0..<8 {
                for column in 0..<8 {
                    let bright = (column < 4) == (label == 0)
                    pixels.append(UInt8((bright ? 160 : 60) + Int(generator.next() % 60)))
                }
            }
        }
        return ImageDataset(pixels: pixels, labels: labels, channels: 1, height: 8, width: 8, classCount: 2)
    }

    static func smallNet(seed: UInt64) -> Module {
        var generator = RandomGenerator(seed: seed)
        return Sequential([Conv2d(1, 4, kernelSize: 3, padding: 1, generator: &generator), Lambda.relu(),
                           AdaptiveAvgPool2d(outputSize: (1, 2)), Lambda.flatten(), Linear(8, 2, generator: &generator)])
    }

    static func loader(_ data: ImageDataset, shuffle: Bool) -> DataLoader {
        DataLoader(dataset: data, batchSize: 16,
                   sampler: shuffle ? RandomSampler(count: data.count, seed: 1) as Sampler : SequentialSampler(count: data.count),
                   mean: [0.5], std: [0.25], seed: 1)
    }

    @Test func fitLearnsAndCallbacksRecord() throws {
        let scratch = ScratchDirectory("trainer")
        let model = Self.smallNet(seed: 2)
        let task = SupervisedClassification(model: model)
        let optimizer = SGD(model.trainableParameters, learningRate: 0.1, momentum: 0.9)
        let checkpoint = ModelCheckpoint(directory: scratch.path, monitor: "val_accuracy")
        let trainer = Trainer(task: task, optimizer: optimizer, schedule: CosineWithWarmup(totalSteps: 40),
                              callbacks: [CSVLogger(path: scratch.path + "/metrics.csv"), checkpoint,
                                          ProgressPrinter(interval: 0, log: try RunLog(path: scratch.path + "/train.log"))])
        let history = try trainer.fit(train: Self.loader(Self.halves(count: 128, seed: 3), shuffle: true),
                                      validation: Self.loader(Self.halves(count: 64, seed: 4), shuffle: false), epochs: 5)
        #expect(history.count == 5)
        #expect(history.last!["val_accuracy"]! > 0.9)
        #expect(history.last!["loss"]! < history.first!["loss"]!)
        let csv = try String(contentsOfFile: scratch.path + "/metrics.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 6 && csv.hasPrefix("epoch,"))
        let best = try SafeTensors.read(scratch.path + "/best.safetensors")
        #expect(best.metadata["val_accuracy"] != nil && best.tensors["4.weight"] != nil)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/last.safetensors"))
        let log = try String(contentsOfFile: scratch.path + "/train.log", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 5 * 8 + 5 && log.filter { $0.contains("step 8/8  loss") && $0.contains("accuracy") }.count == 5)
        #expect(log.last!.contains("epoch 5/5  loss") && log.last!.contains("val_accuracy"))
    }

    /// val_loss 1.0, 0.8, 0.9, 0.85, ... with patience 2: best at epoch 1, stop after epoch 3,
    /// and the weights of epoch 1 come back at the end.
    @Test func earlyStoppingStopsAndRestoresTheBestWeights() throws {
        let model = Self.smallNet(seed: 5)
        let context = TrainingContext(task: SupervisedClassification(model: model),
                                      optimizer: SGD(model.trainableParameters, learningRate: 0.1), totalEpochs: 10)
        let stopper = EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true)
        var weightsByEpoch: [[Float]] = []
        for (epoch, loss) in [1.0, 0.8, 0.9, 0.85].enumerated() {
            context.epoch = epoch
            let weight = model.parameters[0]
            weight.assign(weight.value + 1)   // a different model each epoch
            weightsByEpoch.append(model.parameters.flatMap(\.value.scalars))
            try stopper.epochFinished(context, metrics: ["val_loss": loss])
            #expect(context.stopRequested == (epoch == 3))
        }
        #expect(stopper.bestEpoch == 1 && stopper.bestValue == 0.8)
        try stopper.fitFinished(context)
        #expect(model.parameters.flatMap(\.value.scalars) == weightsByEpoch[1])
    }

    /// val_accuracy 0.5, 0.9, 0.7: best.safetensors is epoch 2, and its weights are back in the
    /// model at the end (and survive a resume through the callback's saved state).
    @Test func checkpointRestoresTheBestEpochAtTheEnd() throws {
        let scratch = ScratchDirectory("best")
        let model = Self.smallNet(seed: 6)
        let context = TrainingContext(task: SupervisedClassification(model: model),
                                      optimizer: SGD(model.trainableParameters, learningRate: 0.1), totalEpochs: 3)
        let checkpoint = ModelCheckpoint(directory: scratch.path, monitor: "val_accuracy", restoreBestWeights: true)
        var weightsByEpoch: [[Float]] = []
        for (epoch, accuracy) in [0.5, 0.9, 0.7].enumerated() {
            context.epoch = epoch
            model.parameters[0].assign(model.parameters[0].value + 1)
            weightsByEpoch.append(model.parameters.flatMap(\.value.scalars))
            try checkpoint.epochFinished(context, metrics: ["val_accuracy": accuracy])
        }
        #expect(checkpoint.bestEpoch == 2)
        let resumed = ModelCheckpoint(directory: scratch.path, monitor: "val_accuracy", restoreBestWeights: true)
        try resumed.restoreState(checkpoint.saveState())
        try resumed.fitFinished(context)
        #expect(model.parameters.flatMap(\.value.scalars) == weightsByEpoch[1] && resumed.bestEpoch == 2)
        let best = try SafeTensors.read(scratch.path + "/best.safetensors")
        #expect(best.metadata["epoch"] == "2")
    }

    @Test func confusionMatrixMetrics() {
        var matrix = ConfusionMatrix(classCount: 3)
        matrix.add(predictions: [0, 0, 1, 1, 2, 2, 0], labels: [0, 0, 1, 2, 2, 2, 1])
        #expect(matrix.counts == [[2, 0, 0], [1, 1, 0], [0, 1, 2]])
        #expect(abs(matrix.accuracy - 5.0 / 7) < 1e-12)
        #expect(abs(matrix.precision(0) - 2.0 / 3) < 1e-12 && abs(matrix.recall(2) - 2.0 / 3) < 1e-12)
        #expect(abs(matrix.balancedAccuracy - (1 + 0.5 + 2.0 / 3) / 3) < 1e-12)
        #expect(matrix.report(classNames: ["a", "b", "c"]).contains("balanced accuracy"))
        #expect(topKAccuracy(scores: [0.1, 0.5, 0.4, 0.9, 0.02, 0.08], classCount: 3, labels: [2, 1], k: 2) == 0.5)
    }

    /// Scores that are NaN or infinite (diverged weights) give an error naming the image, never
    /// an accuracy: a NaN compares false, so a top-k count would call it a hit.
    @Test func nonFiniteScoresAreAnErrorNotAMetric() throws {
        var generator = RandomGenerator(seed: 3)
        let model = Sequential([Lambda.flatten(), Linear(64, 2, generator: &generator)])
        try model.loadStateDict(["1.weight": .float(values: [Float](repeating: .nan, count: 128), shape: [2, 64]),
                                 "1.bias": .float(values: [0, 0], shape: [2])])
        #expect {
            try ClassificationValidation.evaluate(model, on: Self.loader(Self.halves(count: 8, seed: 1), shuffle: false))
        } throws: { "\($0)".contains("held-out image 1 as nan") }
    }

    @Test func missingMonitoredMetricIsAnError() {
        let model = Self.smallNet(seed: 1)
        let trainer = Trainer(task: SupervisedClassification(model: model),
                              optimizer: SGD(model.trainableParameters, learningRate: 0.01),
                              callbacks: [EarlyStopping(monitor: "val_loss")])
        #expect(throws: CallbackError.self) {
            try trainer.fit(train: Self.loader(Self.halves(count: 16, seed: 1), shuffle: false), epochs: 1)
        }
    }
}

@Suite struct ResumeTests {
    /// A model with dropout trained 4 epochs straight, and 2 epochs + a fresh process-like
    /// restart (new objects) + 2 more, end with identical weights and history.
    @Test func resumedRunMatchesAnUninterruptedOne() throws {
        let scratch = ScratchDirectory("resume")
        let data = TrainerTests.halves(count: 64, seed: 3)
        func build() -> (Trainer, Module, ResumeCheckpoint) {
            var generator = RandomGenerator(seed: 7)
            let model = Sequential([Conv2d(1, 4, kernelSize: 3, padding: 1, generator: &generator), Lambda.relu(),
                                    AdaptiveAvgPool2d(outputSize: (1, 2)), Lambda.flatten(),
                                    Dropout(probability: 0.3, generator: &generator), Linear(8, 2, generator: &generator)])
            let optimizer = Adam(model.trainableParameters, learningRate: 0.01)
            let resume = ResumeCheckpoint(path: scratch.path + "/resume.safetensors", config: "test")
            let trainer = Trainer(task: SupervisedClassification(model: model), optimizer: optimizer,
                                  schedule: CosineWithWarmup(warmupSteps: 2, totalSteps: 16), callbacks: [resume])
            return (trainer, model, resume)
        }
        let loader = TrainerTests.loader(data, shuffle: true)
        let (straight, straightModel, _) = build()
        let fullHistory = try straight.fit(train: loader, epochs: 4)

        let (first, _, _) = build()
        try first.fit(train: loader, epochs: 2)
        let (second, secondModel, _) = build()
        let position = try second.restore(from: scratch.path + "/resume.safetensors")
        #expect(position.nextEpoch == 2 && position.step == 8 && position.config == "test")
        let resumedHistory = try second.fit(train: loader, epochs: 4, resuming: position)
        #expect(secondModel.parameters.map(\.value.scalars) == straightModel.parameters.map(\.value.scalars))
        #expect(resumedHistory.map { $0["loss"]! } == fullHistory.map { $0["loss"]! })

        // Positions that do not fit the run, and a file that lost one parameter's optimizer slots.
        let (third, _, _) = build()
        let moved = ResumeState.Position(nextEpoch: 2, step: 5, history: position.history, config: "test")
        #expect { try third.fit(train: loader, epochs: 4, resuming: moved) } throws: { "\($0)".contains("counts 5 steps") }
        #expect { try third.fit(train: loader, epochs: 1, resuming: position) } throws: { "\($0)".contains("epoch 3 of a 1-epoch run") }
        let (tensors, metadata) = try SafeTensors.read(scratch.path + "/resume.safetensors")
        let cut = scratch.path + "/cut.safetensors"
        try SafeTensors.write(tensors.filter { !$0.key.hasPrefix("optimizer/0/") }.sorted { $0.key < $1.key }, metadata: metadata, to: cut)
        let (fourth, _, _) = build()
        #expect { try fourth.restore(from: cut) } throws: {
            "\($0)".contains("\(cut): not a valid safetensors file: metadata 'optimizer_slotted' lists parameters [0] that have no optimizer state")
        }
    }

    @Test func resumeFileThatDoesNotFitIsRejected() throws {
        let scratch = ScratchDirectory("badresume")
        var generator = RandomGenerator(seed: 1)
        let other = Sequential([Linear(3, 2, generator: &generator)])
        let path = scratch.write("resume.safetensors", [])
        #expect(throws: CheckpointError.self) {
            try ResumeState.restore(from: path, task: SupervisedClassification(model: other),
                                    optimizer: SGD(other.trainableParameters, learningRate: 1))
        }
    }
}

@Suite struct ReportTests {
    @Test func htmlReportHasCurvesAndHeatmap() {
        var confusion = ConfusionMatrix(classCount: 3)
        confusion.add(predictions: [0, 1, 2, 2], labels: [0, 1, 2, 1])
        let history: [EpochMetrics] = [["loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4],
                                       ["loss": 0.7, "accuracy": 0.7, "val_loss": 0.9, "val_accuracy": 0.6]]
        let html = HTMLReport(title: "run <1>", history: history, confusion: confusion, classNames: ["a", "b", "c"],
                              summary: ["final test accuracy 75%"], settings: [("seed", "0")]).render()
        #expect(html.contains("<title>run &lt;1&gt;</title>"))
        #expect(html.components(separatedBy: "<polyline").count - 1 == 4)
        #expect(html.components(separatedBy: "<rect").count - 1 == 9)
        #expect(html.contains("balanced accuracy") && !html.contains("<script"))
        #expect(html.contains("<tr><th>seed</th><td>0</td></tr>") && html.contains("<td>70.00%</td>"))
        #expect(html.contains("<div class=\"wide\"><table>"))
    }

    @Test func runLogAppendsTimestampedLinesAcrossReopens() throws {
        let scratch = ScratchDirectory("runlog")
        let path = scratch.path + "/train.log"
        try RunLog(path: path).write("first\nsecond")
        try RunLog(path: path).write("resumed")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasSuffix("  first") && lines[2].hasSuffix("  resumed"))
        #expect(lines.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  "#, options: .regularExpression) != nil })
        #expect(throws: FileWriteError.self) { try RunLog(path: scratch.path + "/missing/dir/train.log") }
    }

    @Test func csvHistoryRoundTrips() throws {
        let scratch = ScratchDirectory("history")
        let logger = CSVLogger(path: scratch.path + "/m.csv")
        let model = Sequential([Lambda.identity()])
        let trainer = Trainer(task: SupervisedClassification(model: model), optimizer: SGD([], learningRate: 1))
        let context = TrainingContext(task: trainer.task, optimizer: trainer.optimizer, totalEpochs: 2)
        context.history = [["loss": 0.5]]
        try logger.fitStarted(context)
        context.epoch = 1
        try logger.epochFinished(context, metrics: ["loss": 0.25, "accuracy": 0.75])
        let history = try CSVHistory.read(scratch.path + "/m.csv")
        #expect(history.count == 2 && history[0]["loss"] == 0.5 && history[1]["accuracy"] == 0.75 && history[1]["epoch"] == 2)
    }
}
