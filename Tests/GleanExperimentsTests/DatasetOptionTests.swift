import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct IDXDatasetTests {
    /// `--dataset mnist` names classes 0–9 and `--dataset idx` reads them from classes.txt (or
    /// numbers them) instead of borrowing Fashion-MNIST's names.
    @Test func mnistAndGenericIDXNameTheirOwnClasses() throws {
        let data = TinyDataset("idx-names")
        let mnist = try TrainSettings.parse(["--dataset", "mnist", "--data-dir", data.directory]).settings.data.loadTrainAndTest(seed: 0)
        #expect(mnist.train.classNames == (0...9).map(String.init) && mnist.test.count == 24)
        let generic = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory]).settings.data
        #expect(try generic.loadTrainAndTest(seed: 0).train.classNames == ["0", "1", "2"])
        try "horizontal\nvertical\n\ndiagonal\n".write(toFile: data.directory + "/classes.txt", atomically: true, encoding: .utf8)
        #expect(try generic.loadTrainAndTest(seed: 0).train.classNames == ["horizontal", "vertical", "diagonal"])
        try "horizontal\nvertical\n".write(toFile: data.directory + "/classes.txt", atomically: true, encoding: .utf8)
        #expect { try generic.loadTrainAndTest(seed: 0) } throws: { "\($0)".contains("label 2") && "\($0)".contains("2 classes") }
        #expect { try TrainSettings.parse(["--dataset", "mnist"]) } throws: { "\($0)".contains("data-dir") }
    }

    /// `--image-size` resamples IDX images too: every image as `ImageBuffer.resized` gives it,
    /// back in 8 bits, labels unchanged.
    @Test func imageSizeResizesIDXImages() throws {
        let data = TinyDataset("idx-resize")
        let plain = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory]).settings.data.loadTrainAndTest(seed: 0)
        let resized = try TrainSettings.parse(["--dataset", "idx", "--data-dir", data.directory, "--image-size", "5"]).settings.data
            .loadTrainAndTest(seed: 0)
        #expect(resized.train.height == 5 && resized.train.width == 5 && resized.test.height == 5)
        #expect(resized.train.labels == plain.train.labels && resized.test.count == plain.test.count)
        #expect(resized.train.image(at: 3).bytes == plain.train.image(at: 3).resized(height: 5, width: 5).bytes)
        #expect(plain.train.resized(height: plain.train.height, width: plain.train.width).pixels == plain.train.pixels)
    }
}

@Suite struct SubsampleTests {
    /// `--subsample-classes 0 --subsample-fraction 0.25` keeps a quarter of class 0's training
    /// images (seeded), the other classes and the test split whole.
    @Test func subsampledClassesKeepTheirFraction() throws {
        let data = TinyDataset("subsample")
        var options = try TrainSettings.parse(["--data-dir", data.directory, "--subsample-classes", "0", "--subsample-fraction", "0.25"]).settings.data
        let splits = try options.loadSelectedClasses(seed: 3)
        let (train, test) = (splits.train, splits.test)
        #expect(train.classCounts.prefix(3) == [5, 20, 20] && test.classCounts.prefix(3) == [8, 8, 8])
        #expect(try options.loadSelectedClasses(seed: 3).train.pixels == train.pixels)
        options.subsampleClasses = "12"
        #expect(throws: SettingError.self) { try options.loadSelectedClasses(seed: 3) }
    }
}
