import Foundation
import GleanConfig


/// A type an option can hold, read from and written to the text of a flag or a YAML value.
public protocol OptionValue {
    init?(optionText: String)
    var optionText: String { get }
    /// What the help shows after the flag, e.g. `N` or `sgd|adam`.
    static var placeholder: String { get }
}

extension Int: OptionValue {
    public init?(optionText: String) { self.init(optionText.trimmingCharacters(in: .whitespaces)) }
    public var optionText: String { String(self) }
    public static var placeholder: String { "N" }
}

extension UInt64: OptionValue {
    public init?(optionText: String) { self.init(optionText.trimmingCharacters(in: .whitespaces)) }
    public var optionText: String { String(self) }
    public static var placeholder: String { "N" }
}

extension Float: OptionValue {
    public init?(optionText: String) {
        guard let value = Float(optionText.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
    public static var placeholder: String { "X" }
}

extension Double: OptionValue {
    public init?(optionText: String) {
        guard let value = Double(optionText.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
    public static var placeholder: String { "X" }
}

extension String: OptionValue {
    public init?(optionText: String) { self = optionText }
    public var optionText: String { self }
    public static var placeholder: String { "TEXT" }
}

extension Bool: OptionValue {
    public init?(optionText: String) {
        switch optionText.lowercased() {
        case "true", "yes", "on", "1": self = true
        case "false", "no", "off", "0": self = false
        default: return nil
        }
    }
    public var optionText: String { String(self) }
    public static var placeholder: String { "true|false" }
}

/// An option that may be left to the command (`auto`, stored as nil), e.g. a default that
/// depends on the image size.
extension Optional: OptionValue where Wrapped: OptionValue {
    public init?(optionText: String) {
        if optionText == "auto" {
            self = .none
        } else if let value = Wrapped(optionText: optionText) {
            self = .some(value)
        } else {
            return nil
        }
    }
    public var optionText: String { map(\.optionText) ?? "auto" }
    public static var placeholder: String { "auto|" + Wrapped.placeholder }
}

/// An option whose value is one of a fixed set of names (an enum with `String` raw values).
public protocol OptionChoice: OptionValue, CaseIterable, RawRepresentable where RawValue == String {}

extension OptionChoice {
    public init?(optionText: String) { self.init(rawValue: optionText) }
    public var optionText: String { rawValue }
    public static var placeholder: String { allCases.map(\.rawValue).joined(separator: "|") }
}

/// One option of a command, declared once: its key (`--batch-size` on the command line,
/// `batch-size:` in a YAML config), its help, and how it reads and writes a field of the
/// settings `Root`. Range checks live in the settings' `validate`.
public struct OptionSpec<Root> {
    public let key: String
    public let help: String
    public let placeholder: String
    public let read: (inout Root, String, _ source: String) throws -> Void
    public let write: (Root) -> String

    /// An option stored at `path`.
    public static func value<Value: OptionValue>(_ key: String, _ path: WritableKeyPath<Root, Value>, _ help: String) -> OptionSpec {
        OptionSpec(key: key, help: help, placeholder: Value.placeholder, read: { root, text, source in
            guard let value = Value(optionText: text) else {
                let expected = Value.self is any OptionChoice.Type ? "one of " + Value.placeholder.replacingOccurrences(of: "|", with: ", ")
                    : Value.placeholder == "N" ? "a whole number" : Value.placeholder == "X" ? "a finite number" : Value.placeholder
                throw SettingError(source: source, key: key, reason: "must be \(expected), got '\(text)'")
            }
            root[keyPath: path] = value
        }, write: { $0[keyPath: path].optionText })
    }

    /// The same option on a settings type that holds `Root` at `path` (a shared group).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root>) -> OptionSpec<Outer> {
        let (read, write) = (self.read, self.write)
        return OptionSpec<Outer>(key: key, help: help, placeholder: placeholder,
                                 read: { outer, text, source in try read(&outer[keyPath: path], text, source) },
                                 write: { write($0[keyPath: path]) })
    }
}

extension Array {
    /// Every option of a shared group, on the command's settings type.
    public func lifted<Group, Outer>(_ path: WritableKeyPath<Outer, Group>) -> [OptionSpec<Outer>] where Element == OptionSpec<Group> {
        map { $0.lifted(path) }
    }
}

/// `ok` or a `SettingError` naming the key — what every group's `validate` is made of.
public func check(_ ok: Bool, _ source: String, _ key: String, _ reason: @autoclosure () -> String) throws {
    if !ok { throw SettingError(source: source, key: key, reason: reason()) }
}
