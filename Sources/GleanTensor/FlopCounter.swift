/// Counts the floating-point operations (2 per multiply-add) of convolutions and matrix
/// products run inside `FlopCounter.measure { }`, for benchmarks that report GFLOP/s.
public enum FlopCounter {
    nonisolated(unsafe) private static var total: Double = 0
    nonisolated(unsafe) private static var depth = 0

    /// Runs `body` and returns its result with the operations it performed.
    public static func measure<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Double) {
        depth += 1
        let start = total
        defer { depth -= 1 }
        let result = try body()
        return (result, total - start)
    }

    static func add(_ flops: Double) {
        if depth > 0 { total += flops }
    }
}
