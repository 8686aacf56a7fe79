import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct TestFolderTests {
    /// `--test-dir` is the test split: every image of the ImageFolder trains, the test folder's
    /// classes are matched by name, the report gives the 95% interval of a figure on few images,
    /// and a class the training images lack is refused by name.
    @Test func testFolderIsTheTestSplitAndSmallOnesGetAnInterval() throws {
        let root = TestScratch.path("cli-test-dir")
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GleanDataTests/Fixtures/images").path
        func fill(_ folder: String, classes: [String], perClass: Int) throws {
            for (index, name) in classes.enumerated() {
                try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true)
                for image in 0..<perClass {
                    let file = ["rgb.png", "gray.png", "rgb.jpg"][(index + image) % 3]
                    try FileManager.default.copyItem(atPath: fixtures + "/" + file, toPath: "\(folder)/\(name)/\(image).\(file.split(separator: ".")[1])")
                }
            }
        }
        try fill(root + "/train", classes: ["ant", "bee", "cat"], perClass: 4)
        try fill(root + "/holdout", classes: ["bee", "cat"], perClass: 3)
        try fill(root + "/strange", classes: ["dog"], perClass: 2)
        let common = ["--dataset", "imagefolder", "--data-dir", root + "/train", "--image-size", "16", "--runs-dir", root + "/runs",
                      "--validation-split", "0", "--epochs", "1", "--batch-size", "4", "--model", "seednet"]
        try TrainRun(TrainSettings.parse(common + ["--test-dir", root + "/holdout", "--run-name", "held"])).run()
        let entries = try FileManager.default.contentsOfDirectory(atPath: root + "/runs")
        let report = try String(contentsOfFile: root + "/runs/" + entries[0] + "/report.txt", encoding: .utf8)
        #expect(report.contains("on 6 test images; 12 labels used") && report.contains("only 6 test images") && report.contains("Wilson"), "\(report)")
        #expect { try TrainRun(TrainSettings.parse(common + ["--test-dir", root + "/strange"])).run() } throws: {
            "\($0)".contains(root + "/strange") && "\($0)".contains("'dog'")
        }
        // 3 right of 6: Wilson's 95% interval is 18.8–81.2%.
        #expect(Experiment.smallTestNote(accuracy: 0.5, count: 6).first?.contains("18.8–81.2%") == true)
        #expect(Experiment.smallTestNote(accuracy: 0.5, count: 10_000).isEmpty)
    }
}
