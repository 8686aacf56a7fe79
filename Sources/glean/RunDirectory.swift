import Foundation
import Glean

/// `runs/<date>_<time>_<name>/`: where a run writes its config, metrics, checkpoints and report.
struct RunDirectory {
    let path: String

    static func create(name: String, root: String = "runs") throws -> RunDirectory {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        let path = root + "/" + formatter.string(from: Date()) + "_" + safeName
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: path, reason: "cannot create the run directory: \(error.localizedDescription)")
        }
        return RunDirectory(path: path)
    }

    func writeConfig(_ text: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path + "/config.yaml")
    }
}
