/// Why a dataset could not be read. Every case names the file and what was wrong.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String, hint: String)
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path, hint): return "\(path): file not found" + (hint.isEmpty ? "" : ". " + hint)
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .corrupt(path, reason): return "\(path): \(reason)"
        case let .mismatch(path, reason): return "\(path): \(reason)"
        }
    }
}
