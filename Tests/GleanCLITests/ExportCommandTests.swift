import Foundation
import GleanTestSupport
import Testing

/// `glean export` writes an ONNX file next to a trained checkpoint and refuses what is not a
/// checkpoint, naming the file and writing nothing.
@Suite struct ExportCommandTests {
    @Test func exportsACheckpointAndRefusesOtherFiles() throws {
        let data = TinyDataset("export")
        let trained = try ReleaseBinary.run(["train"] + data.common + ["--run-name", "m", "--epochs", "1", "--batch-size", "16"])
        try #require(trained.status == 0, "\(trained.standardError)")
        let checkpoint = try data.run("m") + "/best.safetensors"
        let exported = try ReleaseBinary.run(["export", checkpoint, "--include-preprocessing"])
        #expect(exported.status == 0 && exported.standardOutput.contains("exported to"), "\(exported.standardError)")
        let onnx = try Data(contentsOf: URL(fileURLWithPath: (checkpoint as NSString).deletingPathExtension + ".onnx"))
        #expect(onnx.count > 1000 && String(decoding: onnx, as: UTF8.self).contains("class_names"))

        let notACheckpoint = data.directory + "/train-images-idx3-ubyte"
        let target = data.directory + "/nothing.onnx"
        try ReleaseBinary.expectRefusal(["export", notACheckpoint, "--out", target], naming: [notACheckpoint])
        try ReleaseBinary.expectRefusal(["export", data.directory + "/missing.safetensors", "--out", target], naming: ["missing.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
