import Foundation
import GleanTestSupport
import Glean
import Testing

@Suite struct DataFormatTests {
    let scratch = ScratchDirectory("data")
    var directory: String { scratch.path }

    private func write(_ name: String, _ bytes: [UInt8]) -> String { scratch.write(name, bytes) }

    @Test func cifarRecordsAndLengthErrors() throws {
        var bytes: [UInt8] = []
        for image in 0..<3 { bytes += [UInt8(image + 4)] + (0..<3072).map { UInt8(($0 + image) % 256) } }
        let path = write("data_batch_1.bin", bytes)
        let data = try BinaryImageReader.cifar(files: [path], variant: .cifar10)
        #expect(data.count == 3 && data.labels == [4, 5, 6] && data.channels == 3 && data.height == 32)
        #expect(Array(data.pixels[3072 ..< 3075]) == [1, 2, 3])
        let broken = write("short.bin", Array(bytes.dropLast(7)))
        #expect { try BinaryImageReader.cifar(files: [broken], variant: .cifar10) } throws: { "\($0)".contains(broken) }
        // CIFAR-100: coarse label byte first, fine label second.
        let hundred = write("train.bin", [3, 77] + [UInt8](repeating: 9, count: 3072))
        #expect(try BinaryImageReader.cifar(files: [hundred], variant: .cifar100).labels == [77])
    }

    @Test func stl10IsTransposedToRowMajor() throws {
        // Pixel value = column index in the stored (column-major) order: after reading, row 0
        // of the first plane must be 0, 1, 2, ... (value at [row][column] = column).
        var image = [UInt8](repeating: 0, count: 3 * 96 * 96)
        for plane in 0..<3 { for column in 0..<96 { for row in 0..<96 { image[plane * 9216 + column * 96 + row] = UInt8(column) } } }
        let images = write("train_X.bin", image + image)
        let labels = write("train_y.bin", [1, 10])
        let data = try BinaryImageReader.stl10(images: images, labels: labels)
        #expect(data.labels == [0, 9] && data.height == 96)
        #expect(Array(data.pixels[0..<4]) == [0, 1, 2, 3])
        let badLabels = write("bad_y.bin", [0, 3])
        #expect { try BinaryImageReader.stl10(images: images, labels: badLabels) } throws: { "\($0)".contains("bad_y.bin") }
        let folds = write("fold_indices.txt", Array("0 1\n1\n".utf8))
        #expect(try BinaryImageReader.stl10Folds(folds, imageCount: 2) == [[0, 1], [1]])
        let badFolds = write("bad_folds.txt", Array("0 7\n".utf8))
        #expect(throws: DataError.self) { try BinaryImageReader.stl10Folds(badFolds, imageCount: 2) }
    }
}

@Suite struct SamplerTests {
    /// 14:4 imbalance: class-balanced weights give each class half the draws. Over 2,000 batches
    /// of 32 the class-0 share is binomial with σ ≈ 0.0020, so ±0.01 is a 5σ bound.
    @Test func weightedSamplerBalancesClasses() {
        let labels = [Int](repeating: 0, count: 14) + [Int](repeating: 1, count: 4)
        let sampler = WeightedRandomSampler.classBalanced(labels: labels, samplesPerEpoch: 32, seed: 3)
        var classZero = 0, total = 0
        var perBatchShares: [Double] = []
        for epoch in 0..<2000 {
            let batch = sampler.indices(forEpoch: epoch)
            let zeros = batch.filter { labels[$0] == 0 }.count
            classZero += zeros
            total += batch.count
            perBatchShares.append(Double(zeros) / Double(batch.count))
        }
        #expect(abs(Double(classZero) / Double(total) - 0.5) < 0.01)
        let mean = perBatchShares.reduce(0, +) / Double(perBatchShares.count)
        #expect(abs(mean - 0.5) < 0.01)
        // Without weighting the share would be 14/18 ≈ 0.78.
        let uniform = WeightedRandomSampler(weights: [Double](repeating: 1, count: 18), samplesPerEpoch: 64_000, seed: 3)
        let share = Double(uniform.indices(forEpoch: 0).filter { labels[$0] == 0 }.count) / 64_000
        #expect(abs(share - 14.0 / 18) < 0.01)
    }

    /// 10 labeled examples ahead of 90 pseudo-labeled ones, half of each epoch from the first
    /// part: over 64,000 draws the share is binomial with σ ≈ 0.002, so ±0.01 is a 5σ bound.
    /// Class-balanced within parts, the first part's 8:2 classes split its half evenly.
    @Test func twoPartSamplerFixesTheFirstPartsShare() {
        let labels = [Int](repeating: 0, count: 8) + [1, 1] + (0..<90).map { $0 % 3 }
        let uniform = WeightedRandomSampler.twoParts(labels: labels, firstCount: 10, firstShare: 0.5, classBalanced: false,
                                                     samplesPerEpoch: 64_000, seed: 5).indices(forEpoch: 0)
        #expect(abs(Double(uniform.filter { $0 < 10 }.count) / 64_000 - 0.5) < 0.01)
        #expect(abs(Double(uniform.filter { $0 < 8 }.count) / 64_000 - 0.4) < 0.01)
        let balanced = WeightedRandomSampler.twoParts(labels: labels, firstCount: 10, firstShare: 0.25, classBalanced: true,
                                                      samplesPerEpoch: 64_000, seed: 5).indices(forEpoch: 0)
        #expect(abs(Double(balanced.filter { $0 < 8 }.count) / 64_000 - 0.125) < 0.01)
        #expect(abs(Double(balanced.filter { $0 >= 10 && labels[$0] == 2 }.count) / 64_000 - 0.25) < 0.01)
    }

    @Test func samplersAreSeededPerEpoch() {
        let sampler = RandomSampler(count: 100, seed: 9)
        #expect(sampler.indices(forEpoch: 2) == RandomSampler(count: 100, seed: 9).indices(forEpoch: 2))
        #expect(sampler.indices(forEpoch: 2) != sampler.indices(forEpoch: 3))
        #expect(sampler.indices(forEpoch: 0).sorted() == Array(0..<100))
        #expect(SequentialSampler(count: 3).indices(forEpoch: 5) == [0, 1, 2])
    }

    @Test func endlessBatchesCrossEpochs() {
        var batches = EndlessBatches(sampler: SequentialSampler(count: 5), batchSize: 3)
        #expect((0..<4).map { _ in batches.next()! } == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4, 0, 1]])
        #expect(batches.epoch == 3)
    }

    @Test func ratioSplitCoversEverythingOnce() {
        var generator = RandomGenerator(seed: 1)
        let parts = Splits.ratio(count: 103, ratios: [8, 1, 1], generator: &generator)
        #expect(parts.map(\.count) == [83, 10, 10])
        #expect(Set(parts.flatMap { $0 }).count == 103)
    }
}

@Suite struct CSVTableTests {
    private func write(_ text: String) -> String {
        let path = TestScratch.path("table", suffix: ".csv")
        precondition(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "could not write the test file \(path)")
        return path
    }

    @Test func readsFeaturesAndTarget() throws {
        let path = write("a,\"b, quoted\",price\n1,2,3.5\n4,5,6\n")
        let table = try CSVTable.load(path: path)
        #expect(table.featureNames == ["a", "b, quoted"] && table.targetName == "price")
        #expect(table.features == [[1, 2], [4, 5]] && table.targets == [3.5, 6])
        let byName = try CSVTable.load(path: path, target: "a")
        #expect(byName.targets == [1, 4] && byName.features == [[2, 3.5], [5, 6]])
        let (x, y) = table.tensors([1])
        #expect(x.shape == [1, 2] && y.scalars == [6])
    }

    @Test func badValuesNameLineAndColumn() {
        let path = write("a,b\n1,2\n3,oops\n")
        #expect { try CSVTable.load(path: path) } throws: { "\($0)".contains("line 3") && "\($0)".contains("'b'") }
        let ragged = write("a,b\n1\n")
        #expect { try CSVTable.load(path: ragged) } throws: { "\($0)".contains("line 2") }
        #expect { try CSVTable.load(path: path, target: "zzz") } throws: { "\($0)".contains("zzz") }
    }
}

@Suite struct CSVFieldsTests {
    /// Fields with commas, quotes and spaces survive a write and a read; plain ones are written
    /// as they are.
    @Test func fieldsRoundTrip() {
        let fields = ["plain", "a,b", "say \"hi\"", " padded ", "", "images/cat 1.png"]
        let line = CSVFields.line(fields)
        #expect(line == "plain,\"a,b\",\"say \"\"hi\"\"\",\" padded \",,images/cat 1.png")
        #expect(CSVFields.split(line) == fields)
    }

    /// A quote inside an unquoted field is kept; an unclosed quoted field is refused.
    @Test func quotesOutsideQuotedFieldsAndUnclosedFields() {
        #expect(CSVFields.split("a\"b,c") == ["a\"b", "c"])
        #expect(CSVFields.split("\"open,c") == nil)
        #expect(CSVFields.split("") == [""])
    }
}
