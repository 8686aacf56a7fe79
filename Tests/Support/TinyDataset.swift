import Foundation
import Glean

/// Tiny Fashion-MNIST-format data (classes of 28x28 stripes with noise: horizontal, vertical,
/// diagonal, then the same with wider periods; three classes unless told) in a scratch folder,
/// and helpers to run commands on it.
public struct TinyDataset {
    public let directory: String
    public let runs: String

    public init(_ label: String, trainPerClass: Int = 20, testPerClass: Int = 8, classCount: Int = 3) {
        directory = TestScratch.path("cli-\(label)")
        runs = directory + "/runs"
        try! FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        var generator = RandomGenerator(seed: 42)
        for (split, perClass) in [("train", trainPerClass), ("t10k", testPerClass)] {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for index in 0..<(classCount * perClass) {
                let label = index % classCount
                let period = 6 + 2 * (label / 3)
                labels.append(UInt8(label))
                let phase = Int(generator.next() % 4)
                for y in 0..<28 {
                    for x in 0..<28 {
                        let coordinate = label % 3 == 0 ? y : label % 3 == 1 ? x : (x + y)
                        let bright = (coordinate + phase) % period < period / 2
                        pixels.append(UInt8((bright ? 180 : 40) + Int(generator.next() % 50)))
                    }
                }
            }
            func header(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
                ([magic] + dims).flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
            }
            let count = UInt32(labels.count)
            for (name, bytes) in [("images-idx3-ubyte", header(0x803, [count, 28, 28]) + pixels), ("labels-idx1-ubyte", header(0x801, [count]) + labels)] {
                let path = "\(directory)/\(split)-\(name)"
                precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "could not write the test file \(path)")
            }
        }
    }

    /// The one run folder named `name` under `runs`.
    public func run(_ name: String) throws -> String {
        let entries = try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix("_" + name) }
        guard entries.count == 1 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: runs + "/*_" + name]) }
        return runs + "/" + entries[0]
    }

    public var common: [String] { ["--data-dir", directory, "--runs-dir", runs] }
}
