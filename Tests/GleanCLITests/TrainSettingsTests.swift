import Testing
import Foundation
import GleanTestSupport
import GleanConfig
import Glean
@testable import glean

@Suite struct TrainSettingsTests {
    @Test func yamlThenFlagsAndRoundTrip() throws {
        var settings = TrainSettings()
        try settings.apply(yaml: "epochs: 3\nbatch-size: 64\noptimizer: adamw\nlabel-smoothing: 0.1\n", source: "run.yaml")
        try settings.set("epochs", "7", source: "--epochs")
        #expect(settings.optimization.epochs == 7 && settings.optimization.batchSize == 64
                && settings.optimization.optimizer == .adamw && settings.loss.labelSmoothing == 0.1)
        var reloaded = TrainSettings()
        try reloaded.apply(yaml: settings.yaml, source: "config.yaml")
        #expect(reloaded == settings && reloaded.yaml == settings.yaml)
    }

    @Test func commandLineParsingWithConfigFile() throws {
        let scratch = TestScratch.path("cfg", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "model: resnet18\nepochs: 2\n".write(toFile: scratch, atomically: true, encoding: .utf8)
        let request = try TrainSettings.parse(["--config", scratch, "--epochs=9", "--learning-rate", "0.2"])
        #expect(request.resume == nil && request.settings.model.model == .resnet18)
        #expect(request.settings.optimization.epochs == 9 && request.settings.optimization.learningRate == 0.2)
        #expect { try TrainSettings.parse(["--epochs"]) } throws: { "\($0)".contains("needs a value") }
        #expect { try TrainSettings.parse(["epochs", "3"]) } throws: { "\($0)".contains("not an option") }
        #expect { try TrainSettings.parse(["--config", "/nowhere.yaml"]) } throws: { "\($0)".contains("/nowhere.yaml") }
    }

    @Test func badKeysAndValuesNameTheSource() {
        var settings = TrainSettings()
        #expect { try settings.apply(yaml: "batch_size: 4", source: "run.yaml") } throws: {
            "\($0)".contains("run.yaml") && "\($0)".contains("batch_size") && "\($0)".contains("batch-size")
        }
        #expect { try settings.set("schedule", "linear", source: "--schedule") } throws: { "\($0)".contains("cosine, onecycle") }
        #expect { try settings.set("epochs", "many", source: "--epochs") } throws: { "\($0)".contains("whole number") }
        #expect { try settings.set("learning-rate", "nan", source: "--learning-rate") } throws: { "\($0)".contains("finite") }
        #expect { try settings.apply(yaml: "- 1\n- 2", source: "list.yaml") } throws: { "\($0)".contains("mapping") }
        #expect { try settings.apply(yaml: "epochs: [1, 2]", source: "list.yaml") } throws: { "\($0)".contains("single value") }
        settings.optimization.warmupEpochs = -1
        #expect { try settings.validate(source: "options") } throws: { "\($0)".contains("warmup-epochs") }
    }

    /// `glean pretrain simclr --epochs 1` runs: its default warm-up epoch gives way.
    @Test func warmupLeavesTheLastEpoch() throws {
        let settings = try SimCLRSettings.parse(["--epochs", "1"]).settings
        let schedule = try #require(settings.optimization.makeSchedule(stepsPerEpoch: 10, epochs: 1))
        #expect(schedule.multiplier(at: 0) == 1)
    }

    /// Config files that would exhaust or mislead the YAML parser are refused before it runs:
    /// an alias bomb, nesting 10,000 brackets or 100 indentations deep, a key given twice, bytes that are not UTF-8.
    @Test func hostileConfigsAreRefusedBeforeParsing() throws {
        var settings = TrainSettings()
        let bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + (1...9).map { "a\($0): &a\($0) [*a\($0 - 1), *a\($0 - 1), *a\($0 - 1)]" }.joined(separator: "\n")
        #expect { try settings.apply(yaml: bomb, source: "bomb.yaml") } throws: { "\($0)".contains("alias") }
        let deep = "epochs: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try settings.apply(yaml: deep, source: "deep.yaml") } throws: { "\($0)".contains("deeper than 32") }
        let indented = (0..<100).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
        #expect { try settings.apply(yaml: indented, source: "deep.yaml") } throws: { "\($0)".contains("deeper than 32") }
        let dashes = String(repeating: "- ", count: 20_000) + "x"   // nesting without brackets or indentation overflowed Yams' recursion
        #expect { try settings.apply(yaml: dashes, source: "deep.yaml") } throws: { "\($0)".contains("deeper than 32") }
        let lines = "epochs:\n" + String(repeating: "[\n", count: 10_000) + String(repeating: "]\n", count: 10_000)
        #expect { try settings.apply(yaml: lines, source: "deep.yaml") } throws: { "\($0)".contains("deeper than 32") }
        #expect { try settings.apply(yaml: "epochs: 3\nbatch-size: 8\nepochs: 4 # again\n", source: "twice.yaml") } throws: {
            "\($0)".contains("twice.yaml") && "\($0)".contains("'epochs' is set twice (lines 1 and 3)")
        }
        for complexKey in ["? ?", "[a, b]: 3", "{a: 1}: 2", "? - ) ) "] {   // the fuzzer's finds: Yams' value construction trapped
            #expect { try settings.apply(yaml: complexKey, source: "key.yaml") } throws: { "\($0)".contains("key.yaml") }
        }
        try settings.apply(yaml: "epochs: 3  # a comment with & and *\nrun-name: \"a*b & c\"\n", source: "fine.yaml")
        #expect(settings.optimization.epochs == 3 && settings.run.runName == "a*b & c")
        let latin1 = TestScratch.path("latin1", suffix: ".yaml")
        #expect(FileManager.default.createFile(atPath: latin1, contents: Data([0x65, 0x70, 0x6F, 0x63, 0x68, 0x73, 0x3A, 0x20, 0xE9, 0xFF])))
        #expect { try TrainSettings.parse(["--config", latin1]) } throws: { "\($0)".contains(latin1) && "\($0)".contains("UTF-8") }
        let run = TestScratch.path("latin1-run")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: latin1, toPath: run + "/config.yaml")
        #expect { try TrainSettings.parse(["--resume", run]) } throws: { "\($0)".contains(run + "/config.yaml") && "\($0)".contains("UTF-8") }
    }

    @Test func helpListsEveryOptionOnceWithItsDefault() {
        let help = TrainSettings.helpText
        for option in TrainSettings.options {
            #expect(help.components(separatedBy: "--\(option.key) ").count == 2, "\(option.key)")
        }
        #expect(Set(TrainSettings.options.map(\.key)).count == TrainSettings.options.count)
        #expect(help.contains("--optimizer sgd|nesterov|adam|adamw|lars") && help.contains("(default: 128)"))
    }

    /// Every command's options are declared once (shared groups and the method's own never clash).
    @Test func everyCommandsKeysAreUnique() {
        let keySets = [SemiSettings.options.map(\.key), RegressSettings.options.map(\.key), DistillSettings.options.map(\.key),
                       SimCLRSettings.options.map(\.key)]
        for keys in keySets { #expect(Set(keys).count == keys.count, "\(keys)") }
    }

    /// `--width auto` is the command's ResNet default (32 for pretraining) and 64 for other models.
    @Test func simclrTakesWhatTheUserLeftOutFromTheData() throws {
        let bank = ImageDataset(pixels: [UInt8](repeating: 0, count: 300 * 64), labels: (0..<300).map { $0 % 10 }, channels: 1,
                                height: 8, width: 8, classCount: 10)
        let recipe = SimCLRRecipe(imageCount: 4000, imageSize: 20, channels: 1)
        let request = try SimCLRSettings.parse(["--temperature", "0.1", "--minutes", "3"])
        #expect(request.isGiven("temperature") && !request.isGiven("width"))
        var settings = request.settings
        let chosen = settings.adopt(recipe, bank: bank, given: request.given)
        #expect(settings.simclr.temperature == 0.1 && settings.model.width == 16 && settings.optimization.batchSize == 256)
        #expect(settings.simclr.knn.k == 30 && settings.simclr.viewSize == 20)
        #expect(chosen == ["width 16", "view-size 20", "batch-size 256", "learning-rate 0.001", "knn-k 30"])
        // What was chosen is written out, so config.yaml replays the same run.
        var replay = SimCLRSettings()
        try replay.apply(yaml: settings.yaml, source: "config.yaml")
        #expect(replay == settings)
        // A resumed run keeps every value of its config.yaml.
        #expect(Set(SimCLRSettings.options.map(\.key)).isSubset(of: try resumeGiven(settings)))
    }

    private func resumeGiven(_ settings: SimCLRSettings) throws -> Set<String> {
        let directory = TestScratch.path("resume-given")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try settings.yaml.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        return try SimCLRSettings.parse(["--resume", directory]).given
    }

    @Test func widthFollowsTheModel() throws {
        var settings = SimCLRSettings()
        #expect(settings.model.width == 32 && settings.yaml.contains("width: \"auto\""))
        try settings.set("model", "seednet", source: "--model")
        #expect(settings.model.width == 64)
        try settings.set("width", "16", source: "--width")
        #expect(settings.model.width == 16)
        #expect(TrainSettings().model.width == 64)
    }

    @Test func datasetsNeedTheirFolder() throws {
        var settings = TrainSettings()
        try settings.set("dataset", "cifar10", source: "--dataset")
        #expect { try settings.validate(source: "options") } throws: { "\($0)".contains("data-dir") }
        try settings.set("data-dir", "/nowhere", source: "--data-dir")
        try settings.validate(source: "options")
        #expect { try settings.data.load(seed: 0) } throws: { "\($0)".contains("/nowhere/data_batch_1.bin") }
        #expect { try settings.set("validation-split", "x", source: "--validation-split") } throws: { "\($0)".contains("number") }
    }

    /// Labeled, validation and unlabeled images come from the training split only, never overlap
    /// the labeled or validation images with each other, and validation labels are counted.
    @Test func validationIsCarvedFromTheTrainingImages() throws {
        let pool = ImageDataset(pixels: (0..<60).map { UInt8($0) }, labels: (0..<60).map { $0 % 3 }, channels: 1, height: 1,
                                width: 1, classCount: 3)
        var options = DataOptions()
        options.labelsPerClass = 4
        options.validationPerClass = 2
        let split = try options.split(pool: pool, test: pool.subset([0, 1, 2]), seed: 5)
        #expect(split.labeled.classCounts == [4, 4, 4] && split.validation?.classCounts == [2, 2, 2])
        let labeledPixels = Set(split.labeled.pixels), validationPixels = Set(split.validation!.pixels)
        #expect(labeledPixels.isDisjoint(with: validationPixels) && split.labelsUsed == 18)
        #expect(split.unlabeled.count == 54 && Set(split.unlabeled.pixels).isDisjoint(with: validationPixels))
        #expect(try options.split(pool: pool, test: pool, seed: 5).labeled.pixels == split.labeled.pixels)
        options.labelsPerClass = 0
        options.validationSplit = 0.25
        let full = try options.split(pool: pool, test: pool, seed: 5)
        #expect(full.labeled.count == 45 && full.validation?.count == 15 && full.labelsUsed == 60)
        #expect(options.describe(full).contains("15 held out for validation"))
        options.validationSplit = 0
        #expect(try options.split(pool: pool, test: pool, seed: 5).validation == nil)
    }

    /// Data a classifier cannot learn from is an error, not a reported accuracy: an empty
    /// training or test split, or images of one class (pretraining alone may read one).
    @Test func degenerateSplitsAreRefused() throws {
        let oneClass = ImageDataset(pixels: [UInt8](repeating: 0, count: 6), labels: [1, 1, 1, 1, 1, 1], channels: 1, height: 1,
                                    width: 1, classCount: 2, classNames: ["a", "b"])
        var options = DataOptions()
        options.labelsPerClass = 0
        #expect { try options.split(pool: oneClass, test: oneClass, seed: 0) } throws: { "\($0)".contains("one class only (b)") }
        #expect(try options.split(pool: oneClass, test: oneClass, seed: 0, needsClasses: false).labeled.count > 0)
        #expect { try options.split(pool: oneClass, test: oneClass.subset([]), seed: 0) } throws: { "\($0)".contains("empty") }
    }

    /// A dataset's own validation folder replaces the carved validation images; with
    /// `--labels-per-class` it gives `--validation-per-class` of them per class.
    @Test func aDatasetsOwnValidationImagesAreUsed() throws {
        let pool = ImageDataset(pixels: (0..<40).map { UInt8($0) }, labels: (0..<40).map { $0 % 2 }, channels: 1, height: 1,
                                width: 1, classCount: 2)
        let own = ImageDataset(pixels: (100..<110).map { UInt8($0) }, labels: (0..<10).map { $0 % 2 }, channels: 1, height: 1,
                               width: 1, classCount: 2)
        var options = DataOptions()
        options.labelsPerClass = 0
        let full = try options.split(pool: pool, test: own, validation: own, seed: 1)
        #expect(full.labeled.count == 40 && full.validation?.pixels == own.pixels && full.labelsUsed == 50)
        options.labelsPerClass = 3
        options.validationPerClass = 2
        let scarce = try options.split(pool: pool, test: own, validation: own, seed: 1)
        #expect(scarce.labeled.classCounts == [3, 3] && scarce.validation?.classCounts == [2, 2])
        #expect(Set(scarce.validation!.pixels).isSubset(of: Set(own.pixels)) && scarce.unlabeled.count == 40)
    }

    @Test func labelledSubsetIsDescribedHonestly() throws {
        let pool = ImageDataset(pixels: [UInt8](repeating: 0, count: 12), labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1], channels: 1,
                                height: 1, width: 1, classCount: 2, classNames: ["a", "b"])
        var options = DataOptions()
        options.validationPerClass = 1
        options.labelsPerClass = 1
        #expect(options.describe(try options.split(pool: pool, test: pool, seed: 0)).contains("1 per class"))
        options.labelsPerClass = 5
        #expect(options.describe(try options.split(pool: pool, test: pool, seed: 0)).contains("the smallest 4"))
        options.labelsPerClass = 8
        #expect(options.describe(try options.split(pool: pool, test: pool, seed: 0)).contains("all: --labels-per-class 8"))
    }
}

@Suite struct CheckpointInfoTests {
    @Test func metadataRoundTripsAndMissingFieldsAreNamed() throws {
        let info = CheckpointInfo(model: "resnet18", classCount: 3, inputChannels: 1, imageSize: 28,
                                  mean: [0.5], std: [0.25], classNames: ["a", "b", "c"])
        let read = try CheckpointInfo(metadata: info.metadata, path: "x.safetensors")
        #expect(read == info && read.name(of: 2) == "c" && read.name(of: 7) == "7")
        var broken = info.metadata
        broken["mean"] = "0.5,oops"
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("mean") }
        broken["mean"] = "0.5,0.5"
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("1 finite values") }
        for (key, value, says) in [("mean", "nan", "finite"), ("std", "inf", "finite"), ("std", "0", "std > 0"),
                                   ("class_names", "[\"a\", \"b\"]", "list of 3 strings"), ("class_names", "{oops", "class_names"),
                                   ("classes", "-3", "outside"), ("image_size", "100000", "outside"),
                                   ("head", "mlp-1000000000-0.4", "'head'")] {
            var bad = info.metadata
            bad[key] = value
            #expect { try CheckpointInfo(metadata: bad, path: "x.safetensors") } throws: { "\($0)".contains("x.safetensors") && "\($0)".contains(says) }
        }
        broken.removeValue(forKey: "classes")
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("'classes'") }
    }
}

@Suite struct CheckpointFitTests {
    @Test func testImagesMustMatchTheModelGeometry() throws {
        let info = CheckpointInfo(model: "resnet18", classCount: 3, inputChannels: 3, imageSize: 4, mean: [0, 0, 0], std: [1, 1, 1])
        let matching = ImageDataset(pixels: [UInt8](repeating: 0, count: 2 * 3 * 16), labels: [0, 2], channels: 3,
                                    height: 4, width: 4, classCount: 3)
        try info.check(fits: matching, checkpoint: "c.safetensors")
        let gray = ImageDataset(pixels: [UInt8](repeating: 0, count: 2 * 16), labels: [0, 2], channels: 1,
                                height: 4, width: 4, classCount: 3)
        #expect { try info.check(fits: gray, checkpoint: "c.safetensors") } throws: {
            "\($0)".contains("c.safetensors") && "\($0)".contains("3x4x4") && "\($0)".contains("1x4x4")
        }
    }
}

@Suite struct RunTestSplitTests {
    @Test func readsTheRunConfigNextToTheCheckpoint() throws {
        let run = TestScratch.path("run")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: run) }
        let checkpoint = run + "/best.safetensors"
        try "dataset: \"cifar10\"\ndata-dir: \"/nowhere\"\n".write(toFile: run + "/config.yaml", atomically: true, encoding: .utf8)
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: nil) } throws: { "\($0)".contains("/nowhere/") }
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: "/elsewhere") } throws: { "\($0)".contains("/elsewhere/") }
        try "dataset: \"svhn\"\n".write(toFile: run + "/config.yaml", atomically: true, encoding: .utf8)
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: nil) } throws: {
            "\($0)".contains(run + "/config.yaml") && "\($0)".contains("svhn")
        }
    }
}

@Suite struct TrainingOptionTests {
    /// `--augment` is a list in any order, written back in the canonical order.
    @Test func augmentListsRoundTrip() throws {
        let request = try TrainSettings.parse(["--augment", "erasing, flip-crop,randaugment"])
        #expect(request.settings.data.augmentation.augment.optionText == "flip-crop,randaugment,erasing")
        var again = TrainSettings()
        try again.apply(yaml: request.settings.yaml, source: "config.yaml")
        #expect(again == request.settings)
        #expect(request.settings.data.augmentation.transform(size: 28, channels: 1) is Compose)
        #expect(try TrainSettings.parse(["--augment", "none"]).settings.data.augmentation.transform(size: 28, channels: 1) == nil)
        #expect(throws: SettingError.self) { try TrainSettings.parse(["--augment", "mixup,cutmix"]) }
        // Every semi-supervised method mixes batches; SimCLR's views and distillation do not.
        #expect(throws: SettingError.self) { try SimCLRSettings.parse(["--augment", "mixup"]) }
        #expect(throws: SettingError.self) { try DistillSettings.parse(["--augment", "cutmix"]) }
        for method in ["pseudo-label-online", "pseudo-label-offline", "noisy-student", "fixmatch", "flexmatch"] {
            let semi = try SemiSettings.parse(["--method", method, "--augment", "flip-crop,mixup", "--mix-alpha", "1"]).settings
            #expect(semi.data.augmentation.mixingKind == .mixUp(alpha: 1), "\(method)")
        }
    }

    /// Distribution alignment is an option of the strong-view methods only.
    @Test func distributionAlignmentBelongsToFixMatch() throws {
        #expect(try SemiSettings.parse(["--method", "flexmatch", "--distribution-alignment", "true"]).settings.semi.distributionAlignment)
        #expect { try SemiSettings.parse(["--method", "pseudo-label-online", "--distribution-alignment", "true"]) } throws: {
            "\($0)".contains("distribution-alignment") && "\($0)".contains("pseudo-label-online")
        }
        let semi = try SemiSettings.parse(["--method", "fixmatch", "--distribution-alignment", "true"]).settings.semi
        let images = ImageDataset(pixels: [UInt8](repeating: 0, count: 3), labels: [0, 2, 2], channels: 1, height: 1, width: 1, classCount: 3)
        #expect { try semi.distributionAlignment(for: images) } throws: { "\($0)".contains("class 1") }
        let all = ImageDataset(pixels: [UInt8](repeating: 0, count: 4), labels: [0, 1, 2, 2], channels: 1, height: 1, width: 1, classCount: 3)
        #expect(try semi.distributionAlignment(for: all)?.target == [0.25, 0.25, 0.5])
    }

    /// Balanced class weights are N / (C · count); absent classes weigh 0.
    @Test func balancedClassWeights() {
        let labels = [0, 0, 1, 1, 1, 1, 1, 1]
        let images = ImageDataset(pixels: [UInt8](repeating: 0, count: labels.count), labels: labels, channels: 1, height: 1, width: 1,
                                  classCount: 3)
        let weights = LossOptions(classWeights: .balanced).weights(for: images)!
        #expect(abs(weights[0] - 2) < 1e-6 && abs(weights[1] - 8.0 / 12) < 1e-6 && weights[2] == 0)
        #expect(LossOptions().weights(for: images) == nil)
    }

    /// The plateau schedule adds a resumable ReduceLROnPlateau watching the validation loss.
    @Test func plateauScheduleIsACallback() throws {
        let options = try TrainSettings.parse(["--schedule", "plateau", "--plateau-factor", "0.2"]).settings.optimization
        #expect(options.makeSchedule(stepsPerEpoch: 10, epochs: 3) == nil)
        #expect(options.plateauCallback(monitor: "val_loss") is ReduceLearningRateOnPlateau)
        #expect(throws: SettingError.self) { try TrainSettings.parse(["--schedule", "plateau", "--warmup-epochs", "1", "--epochs", "5"]) }
    }
}

@Suite struct IDXDatasetTests {
    /// `--dataset mnist` names classes 0–9 and `--dataset idx` reads them from classes.txt (or
    /// numbers them) instead of borrowing Fashion-MNIST's names.
    @Test func mnistAndGenericIDXNameTheirOwnClasses() throws {
        let data = TinyDataset("idx-names")
        let mnist = try TrainSettings.parse(["--dataset", "mnist", "--data-dir", data.directory]).settings.data.loadTrainAndTest(seed: 0)
        #expect(mnist.train.classNames == (0...9).map(String.init) && mnist.test.count == 24)
        let generic = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory]).settings.data
        #expect(try generic.loadTrainAndTest(seed: 0).train.classNames == ["0", "1", "2"])
        try "horizontal\nvertical\n\ndiagonal\n".write(toFile: data.directory + "/classes.txt", atomically: true, encoding: .utf8)
        #expect(try generic.loadTrainAndTest(seed: 0).train.classNames == ["horizontal", "vertical", "diagonal"])
        try "horizontal\nvertical\n".write(toFile: data.directory + "/classes.txt", atomically: true, encoding: .utf8)
        #expect { try generic.loadTrainAndTest(seed: 0) } throws: { "\($0)".contains("label 2") && "\($0)".contains("2 classes") }
        #expect { try TrainSettings.parse(["--dataset", "mnist"]) } throws: { "\($0)".contains("data-dir") }
    }

    /// `--image-size` resamples IDX images too: every image as `ImageBuffer.resized` gives it,
    /// back in 8 bits, labels unchanged.
    @Test func imageSizeResizesIDXImages() throws {
        let data = TinyDataset("idx-resize")
        let plain = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory]).settings.data.loadTrainAndTest(seed: 0)
        let resized = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory, "--image-size", "5"]).settings.data
            .loadTrainAndTest(seed: 0)
        #expect(resized.train.height == 5 && resized.train.width == 5 && resized.test.height == 5)
        #expect(resized.train.labels == plain.train.labels && resized.test.count == plain.test.count)
        #expect(resized.train.image(at: 3).bytes == plain.train.image(at: 3).resized(height: 5, width: 5).bytes)
        #expect(plain.train.resized(height: plain.train.height, width: plain.train.width).pixels == plain.train.pixels)
    }
}

@Suite struct SubsampleTests {
    /// `--subsample-classes 0 --subsample-fraction 0.25` keeps a quarter of class 0's training
    /// images (seeded), the other classes and the test split whole.
    @Test func subsampledClassesKeepTheirFraction() throws {
        let data = TinyDataset("subsample")
        var options = try TrainSettings.parse(["--data-dir", data.directory, "--subsample-classes", "0", "--subsample-fraction", "0.25"]).settings.data
        let splits = try options.loadSelectedClasses(seed: 3)
        let (train, test) = (splits.train, splits.test)
        #expect(train.classCounts.prefix(3) == [5, 20, 20] && test.classCounts.prefix(3) == [8, 8, 8])
        #expect(try options.loadSelectedClasses(seed: 3).train.pixels == train.pixels)
        options.subsampleClasses = "12"
        #expect(throws: SettingError.self) { try options.loadSelectedClasses(seed: 3) }
    }
}

@Suite struct BadMethodOptionTests {
    /// Each new flag's bad value is refused with the key named, before any work.
    @Test func badValuesNameTheirKey() {
        let cases: [(arguments: [String], key: String)] = [
            (["--threshold", "2"], "threshold"), (["--student-width", "0"], "student-width"),
            (["--unlabeled-ratio", "0"], "unlabeled-ratio"), (["--steps-per-epoch", "-1"], "steps-per-epoch"),
            (["--augment", "flip,bogus"], "augment"), (["--randaugment-magnitude", "31"], "randaugment-magnitude"),
            (["--ramp-start", "5", "--ramp-end", "2"], "ramp-end"), (["--subsample-fraction", "0"], "subsample-fraction"),
            (["--labeled-share", "1"], "labeled-share"), (["--student-model", "bogus"], "student-model"),
        ]
        for (arguments, key) in cases {
            #expect { try SemiSettings.parse(arguments) } throws: { "\($0)".contains("'\(key)'") }
        }
        #expect { try TrainSettings.parse(["--disturb-label", "200"]) } throws: { "\($0)".contains("'disturb-label'") }
        #expect { try TrainSettings.parse(["--plateau-factor", "1.5"]) } throws: { "\($0)".contains("'plateau-factor'") }
        #expect { try RegressSettings.parse(["--table", "t.csv", "--hidden", "50,0"]) } throws: { "\($0)".contains("'hidden'") }
        #expect { try RegressSettings.parse(["--hidden", "50"]) } throws: { "\($0)".contains("'table'") }
        for size in ["4", "2000", "-3"] {
            #expect { try SimCLRSettings.parse(["--view-size", size]) } throws: { "\($0)".contains("'view-size'") && "\($0)".contains(size) }
        }
        #expect((try? SimCLRSettings.parse(["--view-size", "20"]))?.settings.simclr.viewSize == 20)
    }
}

@Suite struct PrecisionOptionTests {
    /// `--precision bf16` trains in bf16 where oneDNN dispatches to a bf16 ISA and otherwise
    /// says so and trains in fp32 (played here by limiting oneDNN to AVX2); `--precision` is
    /// kept in the run's config, so `--resume` continues in the same arithmetic.
    @Test func bf16IsUsedWhereNativeAndOtherwiseNamed() throws {
        let data = TinyDataset("precision")
        let common = ["train"] + data.common + ["--epochs", "1", "--batch-size", "16", "--precision", "bf16"]
        let limited = try ReleaseBinary.run(common + ["--run-name", "avx2"], environment: ["DNNL_MAX_CPU_ISA": "AVX2"])
        #expect(limited.status == 0 && limited.standardError.contains("no native bf16") && limited.standardError.contains("fp32"),
                "\(limited.standardError)")
        let native = try ReleaseBinary.run(common + ["--run-name", "native"])
        #expect(native.status == 0, "\(native.standardError)")
        let log = try String(contentsOfFile: try data.run("native") + "/train.log", encoding: .utf8)
        #expect(log.contains("arithmetic: bf16") == MixedPrecision.cpuHasNativeBF16, "\(log)")
        #expect(try String(contentsOfFile: try data.run("native") + "/config.yaml", encoding: .utf8).contains("precision: \"bf16\""))
    }
}
