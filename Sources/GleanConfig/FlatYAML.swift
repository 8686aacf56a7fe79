import Yams

/// The settings files Glean reads: a YAML mapping of option names to single values.
public enum FlatYAML {
    /// The (key, value text) pairs of `text`, sorted by key; throws a `SettingError` naming
    /// `source` for a text `ConfigScreen` refuses, YAML that does not parse, anything but a
    /// mapping, and lists or mappings as values.
    public static func mapping(_ text: String, source: String) throws -> [(key: String, value: String)] {
        try ConfigScreen.check(text, source: source)
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)
        } catch {
            throw SettingError(source: source, key: "(file)", reason: "is not valid YAML: \(error)")
        }
        guard let mapping = parsed as? [String: Any] else {
            throw SettingError(source: source, key: "(file)", reason: "must be a mapping of option names to values")
        }
        return try mapping.sorted(by: { $0.key < $1.key }).map { key, value in
            guard !(value is [Any]) && !(value is [String: Any]) else {
                throw SettingError(source: source, key: key, reason: "must be a single value, got a list or mapping")
            }
            return (key, String(describing: value))
        }
    }
}
