import Foundation
import GleanNN

/// A run's plain-text log (`train.log`): each line is appended with a UTC timestamp and written
/// through at once, so the log of a killed run is complete up to the kill. Resuming a run
/// appends to the same file. A failed write (disk full) never stops training.
public final class RunLog {
    public let path: String
    private let handle: FileHandle
    private let formatter: DateFormatter

    /// Opens `path` for appending, creating it if needed.
    public init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path), !FileManager.default.createFile(atPath: path, contents: nil) {
            throw FileWriteError(path: path, reason: "cannot create the log file")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw FileWriteError(path: path, reason: "cannot open the log file for writing")
        }
        _ = try? handle.seekToEnd()
        self.path = path
        self.handle = handle
        formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
    }

    deinit { try? handle.close() }

    /// Appends `text` (one or more lines), each line prefixed with the time.
    public func write(_ text: String) {
        let stamp = formatter.string(from: Date())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(stamp)  \($0)\n" }.joined()
        try? handle.write(contentsOf: Data(lines.utf8))
    }
}
