import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct DemoTests {
    /// `glean demo --minutes 1` end to end on tiny ten-class data in the Fashion-MNIST format
    /// (10 labels per class, the other 100 images unlabeled: one batch of 96): the table
    /// has its three rows (floor, supervised, FixMatch from it) in report.txt, report.html has the
    /// chart, FixMatch ran with the demo's recipe, and its config.yaml holds the epochs it
    /// trained (the budget corrected in the run).
    @Test func oneMinuteDemoWritesItsTable() throws {
        let data = TinyDataset("demo", trainPerClass: 20, testPerClass: 5, classCount: 10)
        var demo = DemoRun()
        demo.minutes = 1
        demo.dataDir = data.directory
        demo.runsDir = data.runs
        try demo.run()
        let run = try data.run("demo")
        let table = try String(contentsOfFile: run + "/report.txt", encoding: .utf8)
        for row in ["raw-pixel kNN (no training)", "supervised only", "FixMatch from the supervised model"] {
            #expect(table.contains(row), "\(table)")
        }
        #expect(try String(contentsOfFile: run + "/report.html", encoding: .utf8).contains("<svg"))
        let fixMatch = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasSuffix("_fixmatch") }
        try #require(fixMatch.count == 1)
        let folder = run + "/" + fixMatch[0]
        let settings = try SemiSettings.load(runDirectory: folder)
        #expect(settings.semi.distributionAlignment)
        let rows = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(settings.optimization.epochs == rows)
    }
}
