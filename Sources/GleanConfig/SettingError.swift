/// Why a setting was rejected: names the source (config file or option), the key and the value.
public struct SettingError: Error, CustomStringConvertible {
    public let source: String, key: String, reason: String

    public init(source: String, key: String, reason: String) {
        self.source = source
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(source): '\(key)' \(reason)" }
}
