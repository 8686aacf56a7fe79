import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

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
