import Foundation

/// Checks a `--config` / `config.yaml` text before YAML parsing, so that no file can exhaust
/// the parser: the settings are a flat mapping of option names to single values, which needs
/// no anchors or aliases (an alias bomb expands exponentially), no deep nesting (deep nesting
/// overflows the parser's recursion) and no key twice (YAML would keep one silently).
public enum ConfigScreen {
    /// Bytes a settings file may hold.
    public static let maximumBytes = 1 << 20
    /// Brackets or indentation columns deep a value may go.
    public static let maximumDepth = 32

    /// Throws a `SettingError` naming `source`, the line and what is wrong.
    public static func check(_ text: String, source: String) throws {
        guard text.utf8.count <= maximumBytes else {
            throw SettingError(source: source, key: "(file)", reason: "holds \(text.utf8.count) bytes, more than the limit of \(maximumBytes)")
        }
        var seen: [String: Int] = [:]
        var depth = 0   // open flow brackets, carried from line to line
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let (content, deepest, anchorOrAlias) = scan(line, depth: &depth)
            let indentation = content.prefix { $0 == " " || $0 == "\t" }.count
            // Indentation and the block indicators before a line's first value ("- - - x", "? ? x")
            // each open one level.
            let leading = content.prefix { " \t-?".contains($0) }.count
            guard leading <= maximumDepth, deepest <= maximumDepth else {
                throw SettingError(source: source, key: "(file)", reason: "line \(number + 1) nests deeper than \(maximumDepth) levels; settings are single values")
            }
            if anchorOrAlias {
                throw SettingError(source: source, key: "(file)", reason: "line \(number + 1) uses a YAML anchor or alias (& or *); write the value itself")
            }
            guard indentation == 0, let colon = content.firstIndex(of: ":") else { continue }
            let key = content[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if let first = seen[key] {
                throw SettingError(source: source, key: key, reason: "is set twice (lines \(first) and \(number + 1))")
            }
            seen[key] = number + 1
        }
    }

    /// One pass over a line, outside quotes: where a `#` comment starts, the deepest `[`/`{`
    /// nesting (from `depth`, the brackets still open from earlier lines, which it updates), and whether an `&name` or `*name` starts a node (after a separator).
    private static func scan(_ line: Substring, depth: inout Int) -> (content: Substring, deepest: Int, anchorOrAlias: Bool) {
        var quote: Character?
        var previous: Character = " "
        var deepest = depth, anchorOrAlias = false
        for index in line.indices {
            let character = line[index]
            defer { previous = character }
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "#" where previous == " " || previous == "\t" || index == line.startIndex:
                return (line[..<index], deepest, anchorOrAlias)
            case "[", "{": depth += 1; deepest = max(deepest, depth)
            case "]", "}": depth = max(0, depth - 1)
            case "&", "*": anchorOrAlias = anchorOrAlias || " \t:-[{,".contains(previous)
            default: break
            }
        }
        return (line, deepest, anchorOrAlias)
    }
}
