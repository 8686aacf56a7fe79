import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct UnlabeledFolderTests {
    /// `--unlabeled-dir`: FixMatch learns from a folder of images without labels (resized to the
    /// training images' size); pseudo-label accuracy is not reported since no labels exist.
    @Test func semiLearnsFromAFolderOfUnlabeledImages() throws {
        let data = TinyDataset("unlabeled-dir")
        let folder = data.directory + "/pile"
        for part in ["a", "b"] { try FileManager.default.createDirectory(atPath: folder + "/" + part, withIntermediateDirectories: true) }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GleanDataTests/Fixtures/images").path
        for index in 0..<12 {
            let name = ["rgb.png", "gray.png", "rgb.jpg"][index % 3]
            try FileManager.default.copyItem(atPath: fixtures + "/" + name,
                                             toPath: folder + (index % 2 == 0 ? "/a" : "/b") + "/\(index)." + name.split(separator: ".")[1])
        }
        try SemiRun(SemiSettings.parse(data.common + [
            "--method", "fixmatch", "--unlabeled-dir", folder, "--labels-per-class", "4", "--validation-per-class", "2",
            "--batch-size", "4", "--unlabeled-ratio", "2", "--epochs", "2", "--model", "resnet18", "--width", "4", "--run-name", "pile"])).run()
        let header = try String(contentsOfFile: try data.run("pile") + "/metrics.csv", encoding: .utf8).split(separator: "\n")[0]
        #expect(header.contains("mask_rate") && !header.contains("pseudo_accuracy"))
        let log = try String(contentsOfFile: try data.run("pile") + "/train.log", encoding: .utf8)
        #expect(log.contains("12 unlabeled images"))
        #expect(throws: (any Error).self) {
            try SemiRun(SemiSettings.parse(data.common + ["--unlabeled-dir", data.directory + "/missing", "--labels-per-class", "4"])).run()
        }
    }
}
