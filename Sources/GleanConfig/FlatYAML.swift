import Yams

/// The settings files Glean reads: a YAML mapping of option names to single values.
public enum FlatYAML {
    /// The (key, value text) pairs of `text`, sorted by key; throws a `SettingError` naming
    /// `source` for a text `ConfigScreen` refuses, YAML that does not parse, anything but a
    /// mapping, keys that are not plain names, and lists or mappings as values. The document is
    /// only composed into nodes and read as text — never constructed into Swift values, whose
    /// conversion traps on keys that are not strings (`? ?`, `[a]: b`).
    public static func mapping(_ text: String, source: String) throws -> [(key: String, value: String)] {
        try ConfigScreen.check(text, source: source)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw SettingError(source: source, key: "(file)", reason: "is not valid YAML: \(error)")
        }
        guard let mapping = root?.mapping else {
            throw SettingError(source: source, key: "(file)", reason: "must be a mapping of option names to values")
        }
        var pairs: [(key: String, value: String)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw SettingError(source: source, key: "(file)", reason: "has a key that is a list or mapping; keys are option names")
            }
            guard let value = valueNode.scalar?.string else {
                throw SettingError(source: source, key: key, reason: "must be a single value, got a list or mapping")
            }
            guard !pairs.contains(where: { $0.key == key }) else {
                throw SettingError(source: source, key: key, reason: "is set twice")
            }
            pairs.append((key, value))
        }
        return pairs.sorted { $0.key < $1.key }
    }
}
