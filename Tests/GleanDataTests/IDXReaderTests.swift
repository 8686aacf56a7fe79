import Foundation
import Glean
import GleanTestSupport
import GleanFuzz
import Testing

@Suite struct IDXReaderTests {
    let scratch = ScratchDirectory("idx")
    var directory: String { scratch.path }

    private func write(_ name: String, _ bytes: [UInt8]) -> String { scratch.write(name, bytes) }

    private func idx(dims: [Int], payload: [UInt8]) -> [UInt8] {
        CraftedInputs.idx(dims: dims.map { UInt32(truncatingIfNeeded: $0) }, payload: payload)
    }

    private func gzip(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", path]
        try! process.run()
        process.waitUntilExit()
    }

    @Test func readsGzippedAndPlainSplits() throws {
        let pixels = (0..<(3 * 2 * 2)).map { UInt8($0 * 20) }
        _ = write("train-images-idx3-ubyte", idx(dims: [3, 2, 2], payload: pixels))
        gzip(directory + "/train-images-idx3-ubyte")
        _ = write("train-labels-idx1-ubyte", idx(dims: [3], payload: [2, 0, 1]))
        let data = try IDXReader.loadSplit(directory: directory, split: "train")
        #expect(data.count == 3 && data.height == 2 && data.width == 2 && data.classCount == 3)
        #expect(data.labels == [2, 0, 1])
        #expect(data.pixels == pixels)
        let batch = DataLoader(dataset: data, batchSize: 1, sampler: SequentialSampler(count: 3), mean: [0], std: [1], seed: 0)
            .makeBatch([1], epoch: 0)
        #expect(batch.images.shape == [1, 1, 2, 2] && batch.labels == [0])
        #expect(abs(batch.images.scalars[0] - 80 / 255) < 1e-6)
    }

    @Test func wrongMagicNumberNamesTheFile() {
        let path = write("bad-magic", [0, 0, 9, 3, 0, 0, 0, 0])
        #expect {
            try IDXReader.readIDX(path, expectedDimensions: 3)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("magic")
        }
    }

    @Test func truncatedPayloadAndGzipAreReported() {
        let path = write("short-idx3-ubyte", idx(dims: [2, 2, 2], payload: [1, 2, 3]))
        #expect(throws: DataError.self) { try IDXReader.readIDX(path, expectedDimensions: 3) }
        gzip(path)
        let compressed = FileManager.default.contents(atPath: path + ".gz")!
        let cut = write("cut.gz", [UInt8](compressed.prefix(compressed.count - 6)))
        #expect {
            try IDXReader.readIDX(cut, expectedDimensions: 3)
        } throws: { error in
            "\(error)".contains(cut)
        }
    }

    /// Dimensions whose product overflows (or exceeds the 4 GiB limit) are refused from the
    /// header, before any payload is read.
    @Test func dimensionsThatOverflowAreRefusedFromTheHeader() {
        let path = write("huge-idx3-ubyte", idx(dims: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: [1, 2, 3, 4]))
        #expect {
            try IDXReader.readIDX(path, expectedDimensions: 3)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("limit")
        }
    }

    /// A label outside the dataset's class names (Fashion-MNIST: 0–9) is an error naming the
    /// file and the position, not a crash at evaluation time.
    @Test func labelsOutsideTheClassNamesAreRefused() {
        _ = write("train-images-idx3-ubyte", idx(dims: [2, 1, 1], payload: [0, 0]))
        let labels = write("train-labels-idx1-ubyte", idx(dims: [2], payload: [1, 200]))
        #expect {
            try IDXReader.loadSplit(directory: directory, split: "train", classNames: IDXReader.fashionMNISTClassNames)
        } throws: { error in
            "\(error)".contains(labels) && "\(error)".contains("label 200 at position 1")
        }
    }

    /// Gzip files of several members (`cat a.gz b.gz`) read as gunzip reads them; bytes after the
    /// last member that are neither padding nor a member are an error.
    @Test func multiMemberGzipReadsAsOneStream() throws {
        let whole = idx(dims: [3], payload: [4, 5, 6])
        let first = write("first", Array(whole.prefix(6)))
        let second = write("second", Array(whole.dropFirst(6)))
        gzip(first)
        gzip(second)
        let joined = [UInt8](FileManager.default.contents(atPath: first + ".gz")!) + [UInt8](FileManager.default.contents(atPath: second + ".gz")!)
        let path = write("joined-idx1-ubyte.gz", joined + [0, 0, 0])
        let (bytes, dims) = try IDXReader.readIDX(path, expectedDimensions: 1)
        #expect(dims == [3] && bytes == [4, 5, 6])
        let garbage = write("garbage-idx1-ubyte.gz", joined + [7, 7])
        #expect {
            try IDXReader.readIDX(garbage, expectedDimensions: 1)
        } throws: { error in
            "\(error)".contains(garbage) && "\(error)".contains("not another gzip member")
        }
    }

    @Test func missingDatasetExplainsWhereToGetIt() {
        #expect {
            try IDXReader.fashionMNIST(directory: directory + "/nowhere")
        } throws: { error in
            "\(error)".contains("dataset-fashion-mnist")
        }
    }

    @Test func balancedSplitTakesNPerClass() {
        var generator = RandomGenerator(seed: 4)
        let labels = (0..<100).map { $0 % 4 } + [0, 0, 0]
        let (selected, rest) = Splits.balanced(labels: labels, perClass: 5, classCount: 4, generator: &generator)
        #expect(selected.count == 20 && rest.count == 83)
        #expect((0..<4).allSatisfy { c in selected.filter { labels[$0] == c }.count == 5 })
        #expect(Set(selected).isDisjoint(with: rest))
    }
}
