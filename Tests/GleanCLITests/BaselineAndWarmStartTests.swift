import Foundation
import GleanTestSupport
import Glean
import GleanExperiments
import Testing
@testable import glean

/// The raw-pixel baseline in every report, warm starts (`--init-head keep`, `--teacher-epochs 0`),
/// label propagation through `glean semi`, non-square images and run folders of the same second.
@Suite struct BaselineAndWarmStartTests {
    /// The figure `report.txt` gives for the raw-pixel kNN baseline.
    private func baselineFigure(_ report: String) -> String? {
        report.split(separator: "\n").first { $0.hasPrefix("baseline: raw-pixel kNN") }
            .flatMap { $0.split(separator: ":").dropFirst(2).first }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `train`, `semi` and `knn-eval` print raw-pixel kNN beside their result, computed on the run's
    /// own labeled images: the figure equals `PixelBaseline.knn` on the split the same options
    /// make, and differs from the one on another seed's labels.
    @Test func reportsShowRawPixelKNNOnTheSameLabeledImages() throws {
        let data = TinyDataset("baseline", trainPerClass: 30, testPerClass: 10)
        let labels = ["--labels-per-class", "4", "--validation-per-class", "2"]
        try TrainRun(TrainSettings.parse(data.common + labels + ["--run-name", "sup", "--epochs", "1", "--batch-size", "8"])).run()
        let report = try String(contentsOfFile: try data.run("sup") + "/report.txt", encoding: .utf8)
        #expect(report.contains("raw-pixel kNN on the same 12 labeled images") && report.contains("this model vs raw-pixel kNN"))
        var options = try TrainSettings.parse(data.common + labels).settings.data
        let split = try options.load(seed: 0)
        let expected = PixelBaseline.knn(labeled: split.labeled, validation: split.validation, test: split.test)
        #expect(baselineFigure(report)?.hasPrefix(String(format: "%.2f%% test top-1", 100 * expected.top1)) == true, "\(report)")
        #expect(report.contains("chosen on the validation images"))
        options.labelsPerClass = 2
        let other = try options.load(seed: 0)
        #expect(PixelBaseline.knn(labeled: other.labeled, validation: nil, test: other.test).bankCount == 6)

        try SemiRun(SemiSettings.parse(data.common + labels + [
            "--method", "label-propagation", "--run-name", "lp", "--teacher-epochs", "1", "--epochs", "1", "--batch-size", "8",
            "--graph-images", "40", "--graph-neighbours", "5"])).run()
        let semi = try data.run("lp")
        #expect(try String(contentsOfFile: semi + "/train.log", encoding: .utf8).contains("labels propagated over the 5-neighbour graph of 12 labeled + 40 unlabeled images"))
        #expect(baselineFigure(try String(contentsOfFile: semi + "/round-1/report.txt", encoding: .utf8)) == baselineFigure(report))

        try KNNEvalCommand.parse(data.common + ["--run-name", "knn", "--encoder", "random", "--model", "resnet18", "--width", "4"]).run()
        let knn = try String(contentsOfFile: try data.run("knn") + "/report.txt", encoding: .utf8)
        #expect(knn.contains("raw-pixel kNN on the same") && knn.contains("kNN on the encoder vs raw-pixel kNN"))
        #expect(try String(contentsOfFile: try data.run("knn") + "/report.html", encoding: .utf8).contains("raw-pixel kNN"))
        // The vote compares the last stage on a 2x2 grid unless told otherwise, and says so.
        #expect(try String(contentsOfFile: try data.run("knn") + "/train.log", encoding: .utf8).contains("compares the last stage averaged over a 2x2 grid (128 values)"))
        #expect(try String(contentsOfFile: try data.run("knn") + "/config.yaml", encoding: .utf8).contains("knn-features: \"grid\""))
    }

    /// Without validation images the vote temperature is chosen on the labeled images, each left
    /// out of its own vote: on a bank where one entry's nearest other entry is of another class,
    /// leaving it in would always pick the smallest temperature.
    @Test func temperatureWithoutValidationLeavesEachLabelOut() {
        let bank = FeatureSet(features: Tensor([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9], shape: [4, 2]), labels: [0, 0, 1, 1], classCount: 2)
        let queries = FeatureSet(features: Tensor([1, 0.05, 0.05, 1], shape: [2, 2]), labels: [0, 1], classCount: 2)
        let result = KNNEvaluation.evaluate(bank: bank, validation: nil, test: queries, k: 3, temperature: nil)
        #expect(result.choice == .leaveOneOut && result.top1 == 1)
        let neighbours = KNNClassifier(bank: bank, k: 3).neighbours(of: bank, leavingOneOut: true)
        // Each entry's own similarity (1) is gone: its nearest is the other entry of its class.
        #expect(zip(neighbours.labels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), bank.labels).allSatisfy { $0 == $1 })
        #expect(neighbours.similarities.enumerated().filter { $0.offset % 3 == 0 }.allSatisfy { $0.element < 0.999 })
    }

    /// `--init-head keep` starts from a classifier, head included; `--teacher-epochs 0` takes it
    /// as the first teacher (here propagating over its features); a checkpoint of other classes,
    /// or a teacher without one, is refused.
    @Test func warmStartsKeepTheHeadAndRefuseOtherClassifiers() throws {
        let data = TinyDataset("warm")
        try TrainRun(TrainSettings.parse(data.common + ["--run-name", "sup", "--epochs", "1", "--batch-size", "8"])).run()
        let checkpoint = try data.run("sup") + "/last.safetensors"
        var start = ModelOptions()
        start.initialWeights = checkpoint
        start.initialHead = .keep
        let warm = Dictionary(uniqueKeysWithValues: try start.make(classCount: 10, channels: 1, imageSize: 28, seed: 9).stateDict())
        let stored = try SafeTensors.read(checkpoint).tensors
        #expect(warm["classifier.6.weight"] == stored["classifier.6.weight"] && warm["features.0.weight"] == stored["features.0.weight"])
        #expect { try start.make(classCount: 5, channels: 1, imageSize: 28, seed: 9) } throws: {
            "\($0)".contains(checkpoint) && "\($0)".contains("5 classes") && "\($0)".contains("10 classes")
        }
        try SemiRun(SemiSettings.parse(data.common + [
            "--method", "label-propagation", "--labels-per-class", "5", "--run-name", "lp0", "--teacher-epochs", "0", "--init", checkpoint,
            "--init-head", "keep", "--epochs", "1", "--batch-size", "8", "--graph-images", "20", "--graph-features", "model"])).run()
        let run = try data.run("lp0")
        let log = try String(contentsOfFile: run + "/train.log", encoding: .utf8)
        #expect(log.contains("as it is (--teacher-epochs 0)") && !FileManager.default.fileExists(atPath: run + "/teacher"))
        #expect { try SemiRun(SemiSettings.parse(data.common + ["--method", "noisy-student", "--teacher-epochs", "0", "--labels-per-class", "5"])).run() }
            throws: { "\($0)".contains("--teacher-epochs 0") && "\($0)".contains("--init-head keep") }
    }

    /// Images that are not square are refused before any model is built, for every model of the
    /// zoo, naming the shape and the option that resizes them; resized, they train.
    @Test func nonSquareImagesAreRefusedWithTheShapeOrResized() throws {
        let directory = TestScratch.path("cli-20x36")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = RandomGenerator(seed: 3)
        for (split, count) in [("train", 12), ("t10k", 6)] {
            func header(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
                ([magic] + dims).flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
            }
            let pixels = (0..<(count * 20 * 36)).map { _ in UInt8(generator.next() % 256) }
            try Data(header(0x803, [UInt32(count), 20, 36]) + pixels).write(to: URL(fileURLWithPath: "\(directory)/\(split)-images-idx3-ubyte"))
            try Data(header(0x801, [UInt32(count)]) + (0..<count).map { UInt8($0 % 2) }).write(to: URL(fileURLWithPath: "\(directory)/\(split)-labels-idx1-ubyte"))
        }
        let common = ["--dataset", "mnist", "--data-dir", directory, "--runs-dir", directory + "/runs", "--epochs", "1", "--batch-size", "4",
                      "--validation-split", "0"]
        for model in ModelZoo.Name.allCases {
            #expect(throws: (any Error).self, "\(model.rawValue)") { try TrainRun(TrainSettings.parse(common + ["--model", model.rawValue])).run() }
            do {
                try TrainRun(TrainSettings.parse(common + ["--model", model.rawValue])).run()
            } catch {
                #expect("\(error)".contains("20x36") && "\(error)".contains("--image-size") && "\(error)".contains(model.rawValue), "\(error)")
            }
        }
        try TrainRun(TrainSettings.parse(common + ["--model", "seednet", "--image-size", "24", "--run-name", "resized"])).run()
        #expect(FileManager.default.fileExists(atPath: directory + "/runs"))
    }

    /// Label propagation's options are range-checked by name.
    @Test func badGraphOptionsAreNamed() {
        for (key, value) in [("graph-images", "5"), ("graph-neighbours", "0"), ("graph-neighbours", "101"), ("teacher-epochs", "-1")] {
            #expect(throws: (any Error).self, "\(key) \(value)") { try SemiSettings.parse(["--method", "label-propagation", "--\(key)", value]) }
            do {
                _ = try SemiSettings.parse(["--method", "label-propagation", "--\(key)", value])
            } catch {
                #expect("\(error)".contains(key) && "\(error)".contains(value), "\(error)")
            }
        }
        #expect { try SemiSettings.parse(["--graph-features", "edges"]) } throws: { "\($0)".contains("pixels") && "\($0)".contains("model") }
    }

    /// Runs started in the same second get folders of their own.
    @Test func runFoldersOfTheSameSecondAreDistinct() throws {
        let root = TestScratch.path("cli-same-second")
        let folders = try (0..<3).map { _ in try RunDirectory.create(name: "twin", root: root).path }
        #expect(Set(folders).count == 3 && folders.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(folders)")
    }
}
