import Foundation
import GleanTestSupport
import Glean
import GleanFuzz
import Testing

/// Each kind of hostile input the issue "Nothing a user gives Glean crashes it" lists, given to
/// the release binary as a user would: every one must end in a clean error (exit status ≠ 0, no
/// signal) whose message names the file or option and the field.
@Suite struct HostileInputTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GleanDataTests/Fixtures/images").path

    /// A one-epoch run on the tiny dataset, for the tests that damage its checkpoints.
    static let trained: (data: TinyDataset, run: String) = {
        let data = TinyDataset("hostile-run")
        let outcome = try! ReleaseBinary.run(["train"] + data.common + ["--run-name", "m", "--epochs", "1", "--batch-size", "16"])
        precondition(outcome.status == 0, "the tiny training run failed: \(outcome.standardError)")
        return (data, try! data.run("m"))
    }()

    private func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Copies safetensors file `source` to `target` with its JSON header changed by `edit`.
    private func rewrite(_ source: String, to target: String, _ edit: (inout [String: Any]) -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + length])) as? [String: Any])
        edit(&header)
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let size = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) }
        try write(size + json + bytes[(8 + length)...], to: target)
    }

    private func editMetadata(_ key: String, _ value: String) -> (inout [String: Any]) -> Void {
        { header in
            var metadata = header["__metadata__"] as? [String: String] ?? [:]
            metadata[key] = value
            header["__metadata__"] = metadata
        }
    }

    // MARK: crashes from sizes a header claims

    @Test func imagesClaimingHugeSizesAreRefusedFromTheHeader() throws {
        let root = TestScratch.path("hostile-images")
        let jpeg = try #require(CraftedInputs.jpeg([UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rgb.jpg"))),
                                                   claimingSide: 60_000))
        let cases: [(String, [UInt8])] = [("huge.png", CraftedInputs.png(width: 1_000_000, height: 1_000_000)),
                                          ("65535.png", CraftedInputs.png(width: 65_535, height: 65_535)), ("huge.jpg", jpeg)]
        for (name, bytes) in cases {
            let folder = root + "/" + name
            try write(bytes, to: folder + "/a/" + name)
            try write([UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rgb.png"))), to: folder + "/b/ok.png")
            for command in [["train", "--dataset", "imagefolder", "--data-dir", folder, "--runs-dir", root + "/runs"],
                            ["predict", Self.trained.run + "/best.safetensors", "--folder", folder]] {
                // Under 1 GiB of address space (the largest image allowed, 64 MP x 3 channels, needs
                // 192 MB; these claim 4 GB to 3 TB): refused from the header, before any pixel buffer.
                let outcome = try ReleaseBinary.run(command, addressSpaceKiB: 1 << 20)
                #expect(outcome.isCleanError && outcome.standardError.contains(name) && outcome.standardError.contains("limit"),
                        "\(command): \(outcome.standardError)")
            }
        }
    }

    @Test func anImageSizeBeyondTheLimitIsRefusedBeforeLoading() throws {
        let data = TinyDataset("hostile-size")
        try ReleaseBinary.expectRefusal(["train"] + data.common + ["--image-size", "100000"], naming: ["image-size", "1024", "100000"])
    }

    @Test func idxDimensionsThatOverflowAreRefused() throws {
        let data = TinyDataset("hostile-idx")
        let images = data.directory + "/train-images-idx3-ubyte"
        try write(CraftedInputs.idx(dims: [UInt32.max, UInt32.max, UInt32.max], payload: [1, 2, 3]), to: images)
        try ReleaseBinary.expectRefusal(["train"] + data.common, naming: [images, "dimensions", "limit"])
    }

    // MARK: crashes from values nobody checked

    @Test func labelsOutsideTheClassesAreRefused() throws {
        let data = TinyDataset("hostile-labels")
        let labels = data.directory + "/train-labels-idx1-ubyte"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: labels)))
        bytes[8 + 5] = 12
        try write(bytes, to: labels)
        try ReleaseBinary.expectRefusal(["train"] + data.common + ["--epochs", "1"], naming: [labels, "label 12", "position 5"])
    }

    @Test func inconsistentResumeFilesAreRefused() throws {
        let run = Self.trained.run
        let cases: [(String, (inout [String: Any]) -> Void, [String])] = [
            ("negative-epoch", editMetadata("next_epoch", "-1"), ["next_epoch", "-1"]),
            ("late-epoch", editMetadata("next_epoch", "7"), ["epoch 7"]),
            ("step", editMetadata("step", "2"), ["counts 2 steps"]),
            ("missing-slot", editMetadata("optimizer_slotted", "0,1,2,3,4,5,6,7,8"), ["optimizer_slotted", "[9]"]),
            ("negative-slot", editMetadata("optimizer_slotted", "-1,1,2,3,4,5,6,7,8,9"), ["optimizer_slotted", "[-1]"]),
            ("negative-index", { header in header["optimizer/-1/0"] = header.removeValue(forKey: "optimizer/0/0") },
             ["optimizer entry '-1/0'"]),
        ]
        for (name, edit, phrases) in cases {
            let copy = Self.trained.data.directory + "/resume-" + name
            try FileManager.default.copyItem(atPath: run, toPath: copy)
            try rewrite(run + "/resume.safetensors", to: copy + "/resume.safetensors", edit)
            try ReleaseBinary.expectRefusal(["train", "--resume", copy], naming: [copy + "/resume.safetensors"] + phrases)
        }
    }

    // MARK: unbounded work from configs

    @Test func configsAskingForUnboundedWorkAreRefused() throws {
        let data = TinyDataset("hostile-config")
        let configs = [("deep.yaml", "a: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n",
                        ["deeper than 32"]),
                       ("bomb.yaml", "a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n", ["anchor or alias"]),
                       ("epochs.yaml", "epochs: 1000000000000\n", ["'epochs'", "100000"])]
        for (name, text, phrases) in configs {
            let path = data.directory + "/" + name
            try write(Array(text.utf8), to: path)
            try ReleaseBinary.expectRefusal(["train", "--config", path] + data.common, naming: [path] + phrases)
        }
        try ReleaseBinary.expectRefusal(["train", "--epochs", "1000000000000"] + data.common, naming: ["'epochs'", "100000"])
    }

    // MARK: exit 0 on garbage

    @Test func emptySplitsOneClassAndTooSmallImagesAreErrors() throws {
        let data = TinyDataset("hostile-degenerate")
        try write(CraftedInputs.idx(dims: [0], payload: []), to: data.directory + "/t10k-labels-idx1-ubyte")
        try write(CraftedInputs.idx(dims: [0, 28, 28], payload: []), to: data.directory + "/t10k-images-idx3-ubyte")
        try ReleaseBinary.expectRefusal(["train"] + data.common, naming: [data.directory, "empty", "test"])

        let oneClass = data.directory + "/one-class"
        for index in 0..<10 { try write(CraftedInputs.png(width: 1, height: 1), to: oneClass + "/cat/\(index).png") }
        try ReleaseBinary.expectRefusal(["train", "--dataset", "imagefolder", "--data-dir", oneClass, "--runs-dir", data.runs],
                                        naming: [oneClass, "one class", "cat"])

        let tiny = data.directory + "/tiny"
        for index in 0..<12 { try write(CraftedInputs.png(width: 1, height: 1), to: tiny + "/\(index % 2 == 0 ? "a" : "b")/\(index).png") }
        for model in ["resnet18", "seednet", "googlenet"] {
            try ReleaseBinary.expectRefusal(["train", "--dataset", "imagefolder", "--data-dir", tiny, "--runs-dir", data.runs,
                                             "--model", model], naming: ["model \(model)", "got 1"])
        }
    }

    @Test func damagedCheckpointsAreRefused() throws {
        let best = Self.trained.run + "/best.safetensors"
        let firstTwo: ([String: Any]) -> [String] = { header in
            header.filter { $0.key != "__metadata__" }
                .sorted { (($0.value as? [String: Any])?["data_offsets"] as? [Int])?.first ?? 0
                    < (($1.value as? [String: Any])?["data_offsets"] as? [Int])?.first ?? 0 }
                .prefix(2).map(\.key)
        }
        let cases: [(String, (inout [String: Any]) -> Void, [String])] = [
            ("nan-mean", editMetadata("mean", "nan"), ["'mean'", "nan"]),
            ("inf-mean", editMetadata("mean", "inf"), ["'mean'", "inf"]),
            ("zero-std", editMetadata("std", "0"), ["'std'", "0.0"]),
            ("short-names", editMetadata("class_names", "[\"a\",\"b\"]"), ["'class_names'", "10 strings"]),
            ("broken-names", editMetadata("class_names", "{\"a\":1"), ["'class_names'"]),
            ("overlap", { header in
                let names = firstTwo(header)
                guard let first = header[names[0]] as? [String: Any], var second = header[names[1]] as? [String: Any],
                      let a = first["data_offsets"] as? [Int], let b = second["data_offsets"] as? [Int] else { return }
                second["data_offsets"] = [a[0], a[0] + b[1] - b[0]]
                header[names[1]] = second
             }, ["overlaps"]),
            ("renamed", { header in
                header["extra.weight"] = header.removeValue(forKey: "classifier.1.bias")
             }, ["missing classifier.1.bias", "unexpected extra.weight"]),
        ]
        for (name, edit, phrases) in cases {
            let damaged = Self.trained.data.directory + "/damaged-\(name).safetensors"
            try rewrite(best, to: damaged, edit)
            try ReleaseBinary.expectRefusal(["evaluate", damaged, "--data-dir", Self.trained.data.directory], naming: [damaged] + phrases)
        }
    }

    @Test func duplicateKeysAndNonUTF8ConfigsAreNamed() throws {
        let data = TinyDataset("hostile-yaml")
        let duplicate = data.directory + "/duplicate.yaml", binary = data.directory + "/binary.yaml"
        try write(Array("epochs: 2\nepochs: 3\n".utf8), to: duplicate)
        try write(Array("epochs: ".utf8) + [0xFF, 0xFE, 0x0A], to: binary)
        try ReleaseBinary.expectRefusal(["train", "--config", duplicate] + data.common, naming: [duplicate, "'epochs'", "twice"])
        try ReleaseBinary.expectRefusal(["train", "--config", binary] + data.common, naming: [binary, "UTF-8"])
    }

    @Test func divergingRunsAndNaNScoresGiveNoMetric() throws {
        let data = TinyDataset("hostile-nan")
        try ReleaseBinary.expectRefusal(["train"] + data.common + ["--learning-rate", "1e30", "--epochs", "2", "--batch-size", "16"],
                                        naming: ["NaN", "epoch 1, step", "learning rate"])
        let (tensors, metadata) = try SafeTensors.read(Self.trained.run + "/best.safetensors")
        let poisoned = tensors.map { name, tensor -> (String, StoredTensor) in
            guard name == "classifier.6.bias", case let .float(values, shape) = tensor else { return (name, tensor) }
            return (name, .float(values: values.map { _ in .nan }, shape: shape))
        }
        let path = data.directory + "/poisoned.safetensors"
        try SafeTensors.write(poisoned.sorted { $0.0 < $1.0 }, metadata: metadata, to: path)
        try ReleaseBinary.expectRefusal(["evaluate", path, "--data-dir", Self.trained.data.directory],
                                        naming: ["no accuracy is computed", "nan"])
    }

    // MARK: valid files rejected or misreported

    @Test func multiMemberGzipTrainsAndMissingFoldersAreNamed() throws {
        let data = TinyDataset("hostile-gzip")
        for file in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            let path = data.directory + "/" + file
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let half = bytes.count / 2
            var members = Data()
            for (index, part) in [bytes.prefix(half), bytes.dropFirst(half)].enumerated() {
                let piece = data.directory + "/\(file).part\(index)"
                try part.write(to: URL(fileURLWithPath: piece))
                let gzip = Process()
                gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
                gzip.arguments = ["-f", piece]
                try gzip.run()
                gzip.waitUntilExit()
                members += try Data(contentsOf: URL(fileURLWithPath: piece + ".gz"))
            }
            try members.write(to: URL(fileURLWithPath: path + ".gz"))
            try FileManager.default.removeItem(atPath: path)
        }
        let outcome = try ReleaseBinary.run(["train"] + data.common + ["--epochs", "1", "--batch-size", "16"])
        #expect(outcome.status == 0, "\(outcome.standardError)")

        let csv = data.directory + "/nowhere/confusion.csv"
        try ReleaseBinary.expectRefusal(["evaluate", Self.trained.run + "/best.safetensors", "--data-dir", Self.trained.data.directory,
                                         "--confusion-csv", csv], naming: [csv, "folder", "does not exist"])
    }
}
