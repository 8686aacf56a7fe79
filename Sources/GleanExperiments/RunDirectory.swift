import Foundation
import Glean

/// `runs/<date>_<time>_<name>/`: where a run writes its config, metrics, checkpoints and report.
public struct RunDirectory {
    public let path: String

    /// Creates a new, empty run directory under `root`. Two runs started in the same second
    /// (side by side, or the steps of `glean demo`) get distinct folders: the second name ends
    /// in `-2`, the next `-3`, and so on; the folder is created atomically, so no two processes
    /// share one.
    public static func create(name: String, root: String = "runs") throws -> RunDirectory {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        let stem = root + "/" + formatter.string(from: Date()) + "_" + safeName
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: root, reason: "cannot create the runs folder: \(error.localizedDescription)")
        }
        for attempt in 1...1000 {
            let path = attempt == 1 ? stem : "\(stem)-\(attempt)"
            if mkdir(path, 0o755) == 0 { return RunDirectory(path: path) }
            guard errno == EEXIST else {
                throw FileWriteError(path: path, reason: "cannot create the run directory: \(String(cString: strerror(errno)))")
            }
        }
        throw FileWriteError(path: stem, reason: "cannot create the run directory: 1,000 folders of this name and second exist")
    }

    public func writeConfig(_ text: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path + "/config.yaml")
    }
}
