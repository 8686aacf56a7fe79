import Foundation
import Glean

/// The images a person labels, in the order they are shown: the `path` (or `file`) column of a
/// CSV such as `glean select`'s `selection.csv` or `glean check-labels`' `label_issues.csv`, or
/// every image of the folder by name. Every image must lie inside the folder; each appears once.
public enum LabelOrder {
    /// Standardised paths of the images to label, inside `root`.
    public static func load(root: String, order: String?) throws -> [String] {
        let base = ((root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root) as NSString).standardizingPath
        guard let order, !order.isEmpty else {
            return try ImageFolder.imageFiles(root: base).map { ($0 as NSString).standardizingPath }.sorted()
        }
        guard let text = try? String(contentsOfFile: order, encoding: .utf8) else {
            throw LabelingError("--order \(order): cannot be read as UTF-8 text")
        }
        var rows: [[String]] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            guard let fields = CSVFields.split(line) else {
                throw LabelingError("--order \(order): line \(number + 1) has a quoted field that is not closed")
            }
            if !(fields.first ?? "").isEmpty { rows.append(fields) }
        }
        guard let header = rows.first else { throw LabelingError("--order \(order): holds no rows") }
        var column = 0
        if let named = header.firstIndex(where: { $0 == "path" || $0 == "file" }) {
            column = named
            rows.removeFirst()
        }
        var seen = Set<String>(), paths: [String] = []
        for (number, row) in rows.enumerated() where column < row.count {
            let field = row[column]
            let path = ((field.hasPrefix("/") ? field : FileManager.default.currentDirectoryPath + "/" + field) as NSString).standardizingPath
            guard path.hasPrefix(base + "/") else {
                throw LabelingError("--order \(order): row \(number + 1), \(field), is not inside --images \(root)")
            }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw LabelingError("--order \(order): row \(number + 1), \(field), is not a readable file")
            }
            if seen.insert(path).inserted { paths.append(path) }
        }
        guard !paths.isEmpty else { throw LabelingError("--order \(order): lists no images") }
        return paths
    }
}
