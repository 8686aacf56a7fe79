/// The memory behind one or more tensors: a buffer from `BufferAllocator` plus its physical
/// layout.
///
/// `layout == nil` means plain row-major order of the logical shape. Otherwise the buffer is
/// in a oneDNN layout (for example `nChw16c`), chosen by a primitive and kept between layers;
/// it is reordered to plain only when an op needs plain memory or the user reads elements.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    /// Number of Float slots in the buffer (for blocked layouts this includes padding).
    let physicalCount: Int
    let layout: BlockedLayout?
    let dtype: DType = .float32
    private let capacity: Int
    /// Bumped whenever the buffer is overwritten in place, so derived copies can tell they are stale.
    var version = 0
    /// A copy of these values in another layout (e.g. convolution weights in `OIhw16i16o`),
    /// valid while `version` is unchanged; saves re-laying-out constant weights at inference.
    var derivedCopy: (version: Int, layoutID: Int, storage: TensorStorage)?

    /// Allocates uninitialised storage of `count` floats.
    init(count: Int, layout: BlockedLayout? = nil) {
        let (raw, capacity) = BufferAllocator.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        physicalCount = count
        self.layout = layout
        self.capacity = capacity
    }

    /// Allocates storage for a blocked layout (its byte size may exceed the logical count).
    convenience init(layout: BlockedLayout) {
        self.init(count: layout.byteSize / MemoryLayout<Float>.stride, layout: layout)
    }

    /// Allocates plain storage filled with `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: physicalCount)
    }

    deinit {
        BufferAllocator.shared.release(UnsafeMutableRawPointer(pointer), capacity: capacity)
    }
}
