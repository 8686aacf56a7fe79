import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

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
        #expect(chosen == ["width 16", "view-size 20", "batch-size 256", "learning-rate 0.001", "color-jitter 0.4", "knn-k 30"])
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
