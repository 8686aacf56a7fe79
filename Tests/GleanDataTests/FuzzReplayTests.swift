import Foundation
import Glean
import GleanFuzz
import Testing

/// Every committed seed and every input the fuzzer ever crashed on (Fuzz/crashes/<target>,
/// see scripts/fuzz.sh) goes through its reader again: a crash here is a regression.
@Suite struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz").path

    static func inputs(_ folder: String, _ target: String) -> [String] {
        let path = root + "/" + folder + "/" + target
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
    }

    @Test(arguments: FuzzTargets.names)
    func seedsAndFoundCrashesReadWithoutCrashing(target: String) throws {
        let seeds = Self.inputs("corpus", target)
        #expect(!seeds.isEmpty, "no seed corpus for \(target)")
        for path in seeds + Self.inputs("crashes", target) {
            #expect(FuzzTargets.run(target, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
    }

    /// The seeds are valid inputs, so that fuzzing starts from the readers' success paths.
    @Test func seedsAreValidFiles() throws {
        for target in ["idx", "safetensors", "resume", "csv", "cifar"] {
            for path in Self.inputs("corpus", target) where !path.hasSuffix(".gz") || target == "idx" {
                switch target {
                case "idx": _ = try IDXReader.readIDX(path, expectedDimensions: 3)
                case "safetensors", "resume": _ = try SafeTensors.read(path)
                case "csv": #expect(try CSVTable.load(path: path).targets == [180000, 245000])
                default: #expect(try BinaryImageReader.cifar(files: [path], variant: .cifar10).count == 1)
                }
            }
        }
    }
}
