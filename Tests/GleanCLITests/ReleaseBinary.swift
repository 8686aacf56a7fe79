import Foundation
import GleanTestSupport
import Testing

/// Runs the release-built `glean` as a user would (`.ci/run` and the README's test command build
/// it before `swift test`; `GLEAN_RELEASE_BINARY` overrides the path).
enum ReleaseBinary {
    struct Outcome {
        /// Exit status; nil when a signal ended the process (a crash).
        let status: Int32?
        let standardOutput: String
        let standardError: String

        /// Exited by itself with a failure status (no crash, no success on garbage).
        var isCleanError: Bool { status.map { $0 != 0 } ?? false }
    }

    static var path: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return ProcessInfo.processInfo.environment["GLEAN_RELEASE_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/release/glean").path
    }

    /// A started `glean`, whose outcome `wait()` collects.
    struct Running {
        let pid: pid_t
        fileprivate let outputFile: String, errorFile: String

        /// Waits for the process to end and reads its outputs.
        func wait() -> Outcome {
            defer { unlink(outputFile); unlink(errorFile) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exited = status & 0x7F == 0
            let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            let message = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            return Outcome(status: exited ? (status >> 8) & 0xFF : nil, standardOutput: output, standardError: message)
        }
    }

    /// Runs `glean arguments…` (paths in them absolute), both outputs kept; with
    /// `addressSpaceKiB`, under that limit of virtual memory (`ulimit -v`), so that an
    /// allocation beyond it fails instead of succeeding slowly; `environment` adds variables;
    /// `launcher` (an absolute path and its options, e.g. `mpirun -np 2`) starts glean.
    static func run(_ arguments: [String], addressSpaceKiB: Int? = nil, environment: [String: String] = [:],
                    launcher: [String] = []) throws -> Outcome {
        try start(arguments, addressSpaceKiB: addressSpaceKiB, environment: environment, launcher: launcher).wait()
    }

    /// `run` without waiting: the process runs on while the test watches it.
    static func start(_ arguments: [String], addressSpaceKiB: Int? = nil, environment: [String: String] = [:],
                      launcher: [String] = []) throws -> Running {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "no release binary at \(path): run `swift build -c release --product glean` first")
        let outputFile = TestScratch.path("stdout"), errorFile = TestScratch.path("stderr")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let command = addressSpaceKiB.map { ["/bin/bash", "-c", "ulimit -v \($0) && exec \"$0\" \"$@\"", path] } ?? launcher + [path]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
        defer { variables.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, variables)
        try #require(spawned == 0, "posix_spawn failed with \(spawned)")
        return Running(pid: pid, outputFile: outputFile, errorFile: errorFile)
    }

    /// Expects `glean arguments…` to fail cleanly with a message holding every one of `phrases`.
    static func expectRefusal(_ arguments: [String], naming phrases: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try run(arguments)
        #expect(outcome.isCleanError, "glean \(arguments.joined(separator: " ")): status \(outcome.status.map(String.init) ?? "signal")",
                sourceLocation: sourceLocation)
        let missing = phrases.filter { !outcome.standardError.contains($0) }
        #expect(missing.isEmpty, "glean \(arguments.joined(separator: " ")): stderr lacks \(missing): \(outcome.standardError)",
                sourceLocation: sourceLocation)
    }
}
