import Foundation
import GleanNN

/// Writes one CSV row of metrics per epoch (rewritten whole each epoch, atomically).
public final class CSVLogger: Callback {
    public let path: String
    private var rows: [EpochMetrics] = []

    public init(path: String) { self.path = path }

    /// Starts from the epochs already trained (a resumed run's history).
    public func fitStarted(_ context: TrainingContext) throws {
        rows = context.history.enumerated().map { index, metrics in
            var row = metrics
            row["epoch"] = Double(index + 1)
            return row
        }
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        var row = metrics
        row["epoch"] = Double(context.epoch + 1)
        rows.append(row)
        let keys = ["epoch"] + Set(rows.flatMap(\.keys)).subtracting(["epoch"]).sorted()
        var text = keys.joined(separator: ",") + "\n"
        for row in rows {
            text += keys.map { key in
                row[key].map { key == "epoch" ? String(Int($0)) : String($0) } ?? ""
            }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}

/// Reads the metrics a `CSVLogger` wrote (for reports of resumed runs, whose history spans
/// several processes).
public enum CSVHistory {
    public static func read(_ path: String) throws -> [EpochMetrics] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst()
        return lines.map { fields in
            var row: EpochMetrics = [:]
            for (key, field) in zip(header, fields) { if let value = Double(field) { row[key] = value } }
            return row
        }
    }
}
