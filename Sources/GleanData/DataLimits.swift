/// The limits that protect memory from sizes a file claims. Each reader checks them from the
/// header (or the file's size) before it allocates, and names the file, the field and the limit
/// when one is exceeded.
public enum DataLimits {
    /// Bytes one data file may hold after decompression (4 GiB).
    public static let fileBytes = 4 << 30
    /// Pixels one decoded image may have (64 megapixels: a large photo, not a 65,535² bomb).
    public static let imagePixels = 1 << 26

    /// `a · b · …` or nil when the product overflows or exceeds `limit`.
    public static func product(_ factors: [Int], limit: Int) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow, value <= limit else { return nil }
            result = value
        }
        return result
    }
}
