import Foundation
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

/// `glean select` on a folder of three kinds of stripes: TypiClust takes one of each, a second
/// round excludes what was chosen and reuses the cached embeddings, pixels alone default to
/// random, and bad requests are refused.
@Suite struct SelectTests {
    /// 3 x 10 PNG files (horizontal, vertical, diagonal stripes with noise); the kind of each file.
    static func pile(_ label: String) throws -> (folder: String, kinds: [String: Int]) {
        let folder = TestScratch.path(label)
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        var generator = RandomGenerator(seed: 9)
        var kinds: [String: Int] = [:]
        for index in 0..<30 {
            let kind = index % 3
            var pixels: [UInt8] = []
            for y in 0..<16 {
                for x in 0..<16 {
                    let coordinate = kind == 0 ? y : kind == 1 ? x : x + y
                    pixels.append(UInt8((coordinate % 4 < 2 ? 200 : 40) + Int(generator.next() % 30)))
                }
            }
            let image = ImageDataset(pixels: pixels, labels: [0], channels: 1, height: 16, width: 16, classCount: 1)
            let path = folder + (index % 2 == 0 ? "/sub" : "") + "/image-\(index).png"
            try Data(ImageEncoder.png(image, index: 0)).write(to: URL(fileURLWithPath: path))
            kinds[path] = kind
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/broken.png"))
        return (folder, kinds)
    }

    @Test func typiclustCoversTheKindsAndASecondRoundExcludesTheFirst() throws {
        let (folder, kinds) = try Self.pile("select-pile")
        let runs = TestScratch.path("select-runs")
        let first = try SelectRun(SelectSettings.parse(["--images", folder, "--budget", "3", "--image-size", "16", "--runs-dir", runs,
                                                        "--strategy", "typiclust"])).run()
        #expect(Set(first.chosen.compactMap { kinds[$0] }) == [0, 1, 2])
        let csv = try String(contentsOfFile: first.csv, encoding: .utf8)
        #expect(csv.hasPrefix("path,rank,strategy,reason\n") && csv.contains("typiclust"))
        let second = try SelectRun(SelectSettings.parse(["--images", folder, "--budget", "6", "--image-size", "16", "--runs-dir", runs,
                                                         "--exclude", first.csv, "--strategy", "kcenter"])).run()
        #expect(Set(second.chosen).isDisjoint(with: first.chosen) && second.chosen.count == 6)
        // Without an encoder and a strategy, the choice is random (TypiClust on raw pixels lost to it).
        let auto = try SelectRun(SelectSettings.parse(["--images", folder, "--budget", "2", "--image-size", "16", "--runs-dir", runs])).run()
        #expect(try String(contentsOfFile: auto.csv, encoding: .utf8).contains(",random,"))
        let embeddings = try FileManager.default.contentsOfDirectory(atPath: runs + "/embeddings").filter { $0.hasSuffix(".safetensors") }
        #expect(embeddings.count == 1)
        #expect { try SelectRun(SelectSettings.parse(["--images", folder, "--budget", "40", "--runs-dir", runs])).run() } throws: {
            "\($0)".contains("--budget 40") && "\($0)".contains("30 images")
        }
        #expect { try SelectRun(SelectSettings.parse(["--images", folder + "/nothing", "--budget", "2", "--runs-dir", runs])).run() } throws: {
            "\($0)".contains("nothing")
        }
        // A list of files that are not in the pile is refused by name.
        let elsewhere = runs + "/elsewhere.csv"
        try "path,rank\n/somewhere/else.png,1\n".write(toFile: elsewhere, atomically: true, encoding: .utf8)
        #expect { try SelectRun(SelectSettings.parse(["--images", folder, "--budget", "2", "--runs-dir", runs, "--exclude", elsewhere])).run() } throws: {
            "\($0)".contains("elsewhere.csv") && "\($0)".contains("none of its 1 paths")
        }
    }
}
