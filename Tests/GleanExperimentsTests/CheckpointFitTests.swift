import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

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
