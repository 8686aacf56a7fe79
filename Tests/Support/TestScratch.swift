import Foundation

/// Scratch paths for tests. Every path lies inside one folder per test process,
/// `glean-tests-<pid>` in the temporary directory, which is removed when the process exits;
/// the folders of test processes that died without exiting (a crash, `kill -9`) are removed by
/// the next test process. Tests that write checkpoints leave nothing behind either way.
public enum TestScratch {
    private static let prefix = "glean-tests-"

    /// The process's folder, made on first use.
    public static let root: String = {
        let temporary = NSTemporaryDirectory()
        removeFoldersOfDeadProcesses(in: temporary)
        let folder = temporary + prefix + String(getpid())
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.root) }
        return folder
    }()

    /// A fresh path (not created) inside the process's folder: `label`, a unique suffix, then
    /// `suffix` (e.g. ".yaml").
    public static func path(_ label: String, suffix: String = "") -> String {
        root + "/\(label)-\(UUID().uuidString)\(suffix)"
    }

    /// A fresh, empty folder inside the process's folder.
    public static func folder(_ label: String) -> String {
        let folder = path(label)
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    private static func removeFoldersOfDeadProcesses(in temporary: String) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: temporary + entry)
        }
    }
}
