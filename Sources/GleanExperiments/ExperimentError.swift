/// A run that cannot start or go on as asked: the message says which option, file or value is
/// at fault and what would work (e.g. "--batch-size 512 is larger than the 300 training images").
public struct ExperimentError: Error, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
