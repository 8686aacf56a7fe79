import Testing
import Foundation
import Glean
@testable import glean

@Suite struct TrainSettingsTests {
    @Test func yamlThenOverridesAndRoundTrip() throws {
        var settings = TrainSettings()
        try settings.apply(yaml: "epochs: 3\nbatch-size: 64\noptimizer: adamw\nlabel-smoothing: 0.1\n", source: "run.yaml")
        try settings.set("epochs", "7", source: "--epochs")
        #expect(settings.epochs == 7 && settings.batchSize == 64 && settings.optimizer == "adamw" && settings.labelSmoothing == 0.1)
        var reloaded = TrainSettings()
        try reloaded.apply(yaml: settings.yaml, source: "config.yaml")
        #expect(reloaded.yaml == settings.yaml)
    }

    @Test func badKeysAndValuesNameTheSource() {
        var settings = TrainSettings()
        #expect { try settings.apply(yaml: "batch_size: 4", source: "run.yaml") } throws: {
            "\($0)".contains("run.yaml") && "\($0)".contains("batch_size")
        }
        #expect { try settings.set("schedule", "linear", source: "--schedule") } throws: { "\($0)".contains("cosine") }
        #expect { try settings.apply(yaml: "- 1\n- 2", source: "list.yaml") } throws: { "\($0)".contains("mapping") }
        settings.warmupEpochs = 9
        #expect { try settings.validate(source: "options") } throws: { "\($0)".contains("warmup-epochs") }
    }

    @Test func labelledSubsetIsDescribedHonestly() {
        let counts = ImageDataset(pixels: [UInt8](repeating: 0, count: 6), labels: [0, 0, 0, 0, 1, 1], channels: 1,
                                  height: 1, width: 1, classCount: 2, classNames: ["a", "b"]).classCounts
        #expect(counts == [4, 2])
        #expect(TrainCommand.subsetDescription(0, classCounts: counts) == "all")
        #expect(TrainCommand.subsetDescription(1, classCounts: counts) == "1 per class")
        #expect(TrainCommand.subsetDescription(3, classCounts: counts).contains("the smallest 2"))
        #expect(TrainCommand.subsetDescription(4, classCounts: counts).hasPrefix("all: --labels-per-class 4"))
    }

    @Test func datasetsNeedTheirFolder() throws {
        var settings = TrainSettings()
        try settings.set("dataset", "cifar10", source: "--dataset")
        #expect { try settings.validate(source: "options") } throws: { "\($0)".contains("data-dir") }
        try settings.set("data-dir", "/nowhere", source: "--data-dir")
        try settings.validate(source: "options")
        #expect { try settings.loadData() } throws: { "\($0)".contains("/nowhere/data_batch_1.bin") }
        #expect { try settings.set("validation-split", "x", source: "--validation-split") } throws: { "\($0)".contains("number") }
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
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("1 values") }
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
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("glean-run-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: run) }
        let checkpoint = run + "/best.safetensors"
        try "dataset: \"cifar10\"\ndata-dir: \"/nowhere\"\n".write(toFile: run + "/config.yaml", atomically: true, encoding: .utf8)
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: nil) } throws: { "\($0)".contains("/nowhere/") }
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: "/elsewhere") } throws: { "\($0)".contains("/elsewhere/") }
        try "dataset: \"mnist\"\n".write(toFile: run + "/config.yaml", atomically: true, encoding: .utf8)
        #expect { try RunTestSplit.load(checkpoint: checkpoint, dataDir: nil) } throws: {
            "\($0)".contains(run + "/config.yaml") && "\($0)".contains("mnist")
        }
    }
}
