import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

/// `check-labels` on the tiny stripes data with 10% of the labels flipped finds flipped ones,
/// and writes its CSV, page and report; the folds are stratified and cover every image once.
@Suite struct CheckLabelsTests {
    @Test func findsPlantedNoise() throws {
        let data = TinyDataset("check-labels", trainPerClass: 40)
        let outcome = try CheckLabelsRun(CheckLabelsSettings.parse(data.common + [
            "--labels-per-class", "40", "--plant-noise", "0.1", "--folds", "3", "--epochs", "2", "--steps-per-epoch", "20", "--batch-size", "16",
        ])).run()
        #expect(outcome.checked == 120 && outcome.planted.count == 12)
        let found = outcome.issues.filter { outcome.planted.contains($0.index) }.count
        #expect(found >= 6, "found \(found) of 12 flipped labels among \(outcome.issues.count) listed")
        let csv = try String(contentsOfFile: outcome.directory + "/label_issues.csv", encoding: .utf8)
        #expect(csv.hasPrefix("rank,file,given,suggested,self_confidence,margin,planted") && csv.split(separator: "\n").count == outcome.issues.count + 1)
        let page = try String(contentsOfFile: outcome.directory + "/report.html", encoding: .utf8)
        #expect(page.contains("data:image/png;base64,") && page.contains("looks like"))
        #expect(try String(contentsOfFile: outcome.directory + "/report.txt", encoding: .utf8).contains("recall"))
    }

    @Test func foldsAreStratifiedAndDisjoint() {
        let labels = (0..<30).map { $0 % 3 }
        let folds = CheckLabelsRun.folds(labels: labels, classCount: 3, count: 5, seed: 1)
        #expect(folds.flatMap { $0 }.sorted() == Array(0..<30))
        #expect(folds.allSatisfy { fold in (0..<3).allSatisfy { label in fold.filter { labels[$0] == label }.count == 2 } })
    }

    @Test func refusesTooFewImagesPerClass() throws {
        let data = TinyDataset("check-labels-few")
        #expect { try CheckLabelsRun(CheckLabelsSettings.parse(data.common + ["--labels-per-class", "3"])).run() } throws: {
            "\($0)".contains("--folds")
        }
    }
}
