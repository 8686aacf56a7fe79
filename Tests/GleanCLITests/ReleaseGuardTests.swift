import Foundation
import Testing

/// The README's commands run release binaries, so the shape checks must survive `-c release`.
/// `.ci/run` and the README's test command build `.build/release/glean` before `swift test`.
@Suite struct ReleaseGuardTests {
    static var releaseBinary: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return ProcessInfo.processInfo.environment["GLEAN_RELEASE_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/release/glean").path
    }

    @Test func releaseBinaryStopsOnAShapeMismatch() throws {
        let binary = Self.releaseBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "no release binary at \(binary): run `swift build -c release --product glean` first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["check-guards"]
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0 || process.terminationReason == .uncaughtSignal)
        #expect(message.contains("conv2d") && message.contains("[2, 3, 8, 8]") && message.contains("[4, 5, 3, 3]"),
                "stderr: \(message)")
    }
}
