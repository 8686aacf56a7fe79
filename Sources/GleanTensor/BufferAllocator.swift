import Foundation

/// A caching allocator for tensor buffers.
///
/// Freshly mapped pages fault on first touch, which costs more than a convolution's arithmetic
/// on small layers; reusing freed buffers of the same size class avoids that. Sizes round up
/// to one of eight classes per power of two (at most 12.5% slack), buffers are 64-byte aligned
/// for AVX-512, and the cache is shared by all threads.
public final class BufferAllocator: @unchecked Sendable {
    /// The process-wide allocator.
    public static let shared = BufferAllocator()

    private var freeLists: [Int: [UnsafeMutableRawPointer]] = [:]
    private var lock = pthread_mutex_t()
    private var cachedBytes = 0
    private var liveBytes = 0
    private var peakLiveBytes = 0

    private init() { pthread_mutex_init(&lock, nil) }

    /// Bytes held by live tensors right now.
    public var bytesInUse: Int { withLock { liveBytes } }
    /// Most bytes held by live tensors at once since the last `resetPeak()`.
    public var peakBytesInUse: Int { withLock { peakLiveBytes } }
    /// Bytes of freed buffers kept for reuse.
    public var bytesCached: Int { withLock { cachedBytes } }

    /// Starts a new peak measurement.
    public func resetPeak() { withLock { peakLiveBytes = liveBytes } }

    /// Returns every cached buffer to the system.
    public func emptyCache() {
        withLock {
            for (_, list) in freeLists { list.forEach { free($0) } }
            freeLists.removeAll()
            cachedBytes = 0
        }
    }

    /// The size class a request of `bytes` is served from.
    static func sizeClass(_ bytes: Int) -> Int {
        let minimum = 256
        guard bytes > minimum else { return minimum }
        let highBit = Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount
        let step = max(1 << (highBit - 3), 64)
        return (bytes + step - 1) / step * step
    }

    /// Allocates at least `bytes` bytes; returns the pointer and the capacity to release with.
    func allocate(bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        let capacity = Self.sizeClass(bytes)
        let reused: UnsafeMutableRawPointer? = withLock {
            liveBytes += capacity
            peakLiveBytes = max(peakLiveBytes, liveBytes)
            guard var list = freeLists[capacity], let pointer = list.popLast() else { return nil }
            freeLists[capacity] = list
            cachedBytes -= capacity
            return pointer
        }
        if let reused { return (reused, capacity) }
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, capacity) == 0, let pointer else {
            fatalError("BufferAllocator: out of memory allocating \(capacity) bytes")
        }
        return (pointer, capacity)
    }

    /// Returns a buffer obtained from `allocate` to the cache.
    func release(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
        withLock {
            liveBytes -= capacity
            cachedBytes += capacity
            freeLists[capacity, default: []].append(pointer)
        }
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }
}
