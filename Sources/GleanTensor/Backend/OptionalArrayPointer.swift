extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's values, or nil when there is no array.
    func withUnsafeBufferPointerIfPresent<T>(_ body: (UnsafePointer<Float>?) -> T) -> T {
        switch self {
        case .some(let values): return values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
