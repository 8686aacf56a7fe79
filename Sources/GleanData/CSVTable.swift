import Foundation
import GleanTensor

/// A numeric table from a CSV file with a header row: feature columns and one target column,
/// for regression and tabular work (e.g. the source documents' 13→50→1 regressor).
public struct CSVTable: Sendable {
    /// Feature column names, in file order.
    public let featureNames: [String]
    public let targetName: String
    /// One row of features per record.
    public let features: [[Float]]
    public let targets: [Float]

    /// Reads `path`; `target` names the target column (default: the last). Quoted fields and
    /// commas inside quotes are handled; every other field must be a number. Errors name the
    /// file, line and column.
    public static func load(path: String, target: String? = nil) throws -> CSVTable {
        let bytes = try CompressedFile.read(path)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DataError.corrupt(path: path, reason: "not UTF-8 text")
        }
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw DataError.corrupt(path: path, reason: "is empty; expected a header row") }
        let header = try fields(lines.removeFirst(), path: path, line: 1)
        let targetIndex: Int
        if let target {
            guard let found = header.firstIndex(of: target) else {
                throw DataError.mismatch(path: path, reason: "has no column '\(target)'; columns: \(header.joined(separator: ", "))")
            }
            targetIndex = found
        } else {
            targetIndex = header.count - 1
        }
        guard header.count >= 2 else { throw DataError.corrupt(path: path, reason: "needs at least one feature and one target column") }
        var features: [[Float]] = [], targets: [Float] = []
        for (offset, line) in lines.enumerated() {
            let number = offset + 2
            let values = try fields(line, path: path, line: number)
            guard values.count == header.count else {
                throw DataError.corrupt(path: path, reason: "line \(number) has \(values.count) fields, the header has \(header.count)")
            }
            var row: [Float] = []
            for (column, field) in values.enumerated() {
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw DataError.corrupt(path: path, reason: "line \(number), column '\(header[column])': '\(field)' is not a finite number")
                }
                if column == targetIndex { targets.append(value) } else { row.append(value) }
            }
            features.append(row)
        }
        var names = header
        names.remove(at: targetIndex)
        return CSVTable(featureNames: names, targetName: header[targetIndex], features: features, targets: targets)
    }

    /// Features as `[rows, features]` and targets as `[rows, 1]`, for the rows at `indices`.
    public func tensors(_ indices: [Int]? = nil) -> (features: Tensor, targets: Tensor) {
        let rows = indices ?? Array(0..<features.count)
        return (Tensor(rows.flatMap { features[$0] }, shape: [rows.count, featureNames.count]),
                Tensor(rows.map { targets[$0] }, shape: [rows.count, 1]))
    }

    /// The fields of one line, trimmed; errors name the file and line.
    private static func fields(_ line: String, path: String, line number: Int) throws -> [String] {
        guard let fields = CSVFields.split(line) else {
            throw DataError.corrupt(path: path, reason: "line \(number): unterminated quoted field")
        }
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
