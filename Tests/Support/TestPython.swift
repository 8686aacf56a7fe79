import Foundation

/// The repository's test scripts, run with the venv that `scripts/setup.sh` makes (`.venv-test`).
public enum TestPython {
    /// The package's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The venv's interpreter.
    public static let python = root + "/.venv-test/bin/python"

    /// Runs `scripts/<script>` with `arguments`; its exit status and its output and errors together.
    /// Throws when the venv is missing, naming what makes it.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: python, NSLocalizedDescriptionKey: "no \(python): run scripts/setup.sh (it makes the test venv)"])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root + "/scripts/" + script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
