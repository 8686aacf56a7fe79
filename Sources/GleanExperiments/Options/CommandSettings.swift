import Foundation
import GleanConfig

/// The settings of one experiment command, made of shared option groups plus the method's own
/// options. Resolved from defaults, then an optional YAML file (`--config`), then the command
/// line (last wins); written to the run folder as `config.yaml`, itself a valid `--config`.
public protocol CommandSettings: Equatable {
    init()
    /// The seed, run name and runs folder.
    var run: RunOptions { get }
    /// Every option, in help and `config.yaml` order (each declared once, in its group).
    static var options: [OptionSpec<Self>] { get }
    /// Titles of the option sections in the help, with the keys each one starts at.
    static var sections: [(title: String, firstKey: String)] { get }
    /// Range checks after everything is applied; errors name `source` and the key.
    func validate(source: String) throws
}

/// What a command line asked for besides the settings.
public struct CommandLineRequest<Settings: CommandSettings> {
    public var settings: Settings
    /// `--resume DIR`: continue the run in DIR with the options it was started with.
    public var resume: String?
    /// The option keys the user set, in `--config` or on the command line (every key when
    /// resuming: the run's `config.yaml` holds the values it resolved); a command may choose
    /// the others from the data (`isGiven`).
    public var given: Set<String> = []

    /// A request to run `settings` (resuming the run folder `resume` when given), with `given`
    /// the keys the user set.
    public init(settings: Settings, resume: String? = nil, given: Set<String> = []) {
        self.settings = settings
        self.resume = resume
        self.given = given
    }

    /// Whether the user set `key` (else the command may choose it).
    public func isGiven(_ key: String) -> Bool { given.contains(key) }
}

extension CommandSettings {
    /// Sets one option from its text form.
    public mutating func set(_ key: String, _ text: String, source: String) throws {
        guard let option = Self.options.first(where: { $0.key == key }) else {
            let known = Self.options.map(\.key)
            let close = known.filter { $0.replacingOccurrences(of: "-", with: "") == key.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "") }
            throw SettingError(source: source, key: key, reason: "is not an option of this command"
                               + (close.isEmpty ? "; known: \(known.joined(separator: ", "))" : "; did you mean '\(close[0])'?"))
        }
        try option.read(&self, text, source)
    }

    /// Applies a YAML mapping of option names to values and returns the keys it set; bad
    /// values (and unknown keys, unless ignored) throw.
    @discardableResult
    public mutating func apply(yaml text: String, source: String, ignoringUnknownKeys: Bool = false) throws -> [String] {
        var applied: [String] = []
        for (key, value) in try FlatYAML.mapping(text, source: source) {
            if ignoringUnknownKeys && !Self.options.contains(where: { $0.key == key }) { continue }
            try set(key, value, source: source)
            applied.append(key)
        }
        return applied
    }

    /// Every setting as (option name, value), in option order.
    public var entries: [(name: String, value: String)] { Self.options.map { ($0.key, $0.write(self)) } }

    /// The settings as YAML (valid input for `--config`).
    public var yaml: String {
        entries.map { "\($0.name): \"\($0.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
            .joined(separator: "\n") + "\n"
    }

    /// Reads the settings a run directory was started with (its `config.yaml`).
    public static func load(runDirectory: String) throws -> Self {
        let path = runDirectory + "/config.yaml"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(source: path, key: "(file)", reason: "cannot be read: is \(runDirectory) a run directory of this command?")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SettingError(source: path, key: "(file)", reason: "is not UTF-8 text") }
        var settings = Self()
        try settings.apply(yaml: text, source: path)
        try settings.validate(source: path)
        return settings
    }

    /// Resolves `arguments` (`--key value` or `--key=value`, plus `--config FILE` and
    /// `--resume DIR`) over the defaults. With `--resume`, the run's own `config.yaml` is the
    /// base and other options must not change it.
    public static func parse(_ arguments: [String]) throws -> CommandLineRequest<Self> {
        var pairs: [(key: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingError(source: "command line", key: argument, reason: "is not an option (options look like --batch-size 64)")
            }
            let body = argument.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                pairs.append((String(body[..<equals]), String(body[body.index(after: equals)...])))
                index += 1
            } else {
                guard index + 1 < arguments.count else {
                    throw SettingError(source: "command line", key: String(body), reason: "needs a value")
                }
                pairs.append((String(body), arguments[index + 1]))
                index += 2
            }
        }
        let config = pairs.last { $0.key == "config" }?.value, resume = pairs.last { $0.key == "resume" }?.value
        let overrides = pairs.filter { $0.key != "config" && $0.key != "resume" }
        var settings = Self()
        var given = Set(overrides.map(\.key))
        if let resume {
            guard config == nil else { throw SettingError(source: "--resume", key: "config", reason: "cannot be combined with --resume (the run keeps its config.yaml)") }
            settings = try load(runDirectory: resume)
            let saved = settings
            for (key, value) in overrides { try settings.set(key, value, source: "--" + key) }
            guard settings == saved else {
                let changed = zip(saved.entries, settings.entries).filter { $0.value != $1.value }
                    .map { "\($0.name): \($0.value) -> \($1.value)" }
                throw SettingError(source: "--resume \(resume)", key: changed.first.map { String($0.prefix { $0 != ":" }) } ?? "",
                                   reason: "differs from the run's config.yaml (\(changed.joined(separator: "; "))); a resumed run keeps its options")
            }
            return CommandLineRequest(settings: settings, resume: resume, given: Set(options.map(\.key)))
        }
        if let config {
            let data = FileManager.default.contents(atPath: config)
            guard let data else { throw SettingError(source: "--config", key: config, reason: "cannot be read (no such file?)") }
            guard let text = String(data: data, encoding: .utf8) else {
                throw SettingError(source: "--config", key: config, reason: "is not UTF-8 text")
            }
            given.formUnion(try settings.apply(yaml: text, source: config))
        }
        for (key, value) in overrides { try settings.set(key, value, source: "--" + key) }
        try settings.validate(source: config ?? "options")
        return CommandLineRequest(settings: settings, resume: nil, given: given)
    }

    /// The options as help text, in sections, with each default.
    public static var helpText: String {
        let defaults = Self()
        var lines: [String] = []
        for option in options {
            if let section = sections.first(where: { $0.firstKey == option.key }) { lines.append("\n\(section.title):") }
            let value = option.write(defaults)
            lines.append("  --\(option.key) \(option.placeholder)")
            lines += wrapped(option.help + (value.isEmpty ? "" : " (default: \(value))"))
        }
        lines.append("  --config FILE")
        lines += wrapped("YAML file of options (keys as above, e.g. 'batch-size: 64'); options on the command line win.")
        lines.append("  --resume DIR")
        lines += wrapped("Continue the interrupted run in DIR exactly where its last finished epoch ended, with the options in its config.yaml.")
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most 78 characters, indented by 8 (the help is printed as is).
    private static func wrapped(_ text: String) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + word.count + 1 > 70 {
                lines.append("        " + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append("        " + line) }
        return lines
    }
}
