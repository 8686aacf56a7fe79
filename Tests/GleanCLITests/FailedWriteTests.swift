import Foundation
import GleanTestSupport
import Glean
import GleanExperiments
import Testing
@testable import glean

/// A write that fails names the file and leaves no temporary file behind.
@Suite struct FailedWriteTests {
    /// A full disk, played by a file-size limit (`ulimit -f`, with SIGXFSZ ignored so that the
    /// write fails with EFBIG instead of killing the process): the release binary stops with
    /// the checkpoint's path and the reason, and no `.tmp` file remains in the run folder.
    @Test func aWriteCutShortRemovesItsTemporaryFile() throws {
        let binary = ReleaseBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "no release binary at \(binary): run `swift build -c release --product glean` first")
        let data = TinyDataset("full-disk", trainPerClass: 1, testPerClass: 1)
        let table = data.directory + "/table.csv"
        let rows = ["a,b,y"] + (0..<40).map { "\($0 % 7),\($0 % 5),\($0)" }
        try rows.joined(separator: "\n").write(toFile: table, atomically: true, encoding: .utf8)
        // A 2,000-unit hidden layer makes a ~32 KB checkpoint; files may hold 8 KB.
        let command = "ulimit -f 8; trap '' XFSZ; exec '\(binary)' regress --table '\(table)' --hidden 2000 --epochs 2 "
            + "--runs-dir '\(data.runs)' --run-name full"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains(".safetensors") && message.contains("cannot write") && message.contains("too large"), "stderr: \(message)")
        let left = FileManager.default.enumerator(atPath: data.runs)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".tmp") } ?? []
        #expect(left.isEmpty, "temporary files left: \(left)")
    }

    @Test func aMissingFolderIsNamed() throws {
        let folder = TestScratch.path("missing")
        #expect(throws: FileWriteError(path: folder + "/confusion.csv", reason: "the folder \(folder) does not exist")) {
            try AtomicFile.write(Data("x".utf8), to: folder + "/confusion.csv")
        }
    }
}
