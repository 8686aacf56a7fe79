/// Stops the process with `message` when `condition` is false — in every build configuration.
///
/// Swift's `precondition` drops its message in optimised builds, so a release binary would
/// stop without saying which op or shapes were wrong. Glean's checks on shapes, indices and
/// arguments use this instead; keep them out of per-element loops.
@inlinable @inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { requirementFailed(message(), file: file, line: line) }
}

@usableFromInline @inline(never)
func requirementFailed(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError(message, file: file, line: line)
}
