/// Why `glean label` cannot start or cannot record an answer: which file, value or request.
public struct LabelingError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
