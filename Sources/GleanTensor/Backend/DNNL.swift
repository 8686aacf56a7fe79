import CDNNL
import Foundation

/// The process-wide oneDNN CPU engine and stream. oneDNN runs its own OpenMP team over all
/// cores; Glean never nests its own parallel loops inside a primitive.
enum DNNL {
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine create")
        return engine!
    }()

    private static let streamKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// This thread's stream (oneDNN streams are not shared between threads).
    static var stream: dnnl_stream_t {
        if let existing = pthread_getspecific(streamKey) { return OpaquePointer(existing) }
        var stream: dnnl_stream_t?
        check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream create")
        pthread_setspecific(streamKey, UnsafeRawPointer(stream!))
        return stream!
    }

    /// Stops with a message naming the call when oneDNN reports an error. oneDNN errors here
    /// mean Glean built a descriptor it should not have: a programming error, not user input.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        if status != dnnl_success {
            fatalError("oneDNN: \(what()) failed with status \(status.rawValue)")
        }
    }

    /// A `dnnl_dims_t` argument (12 slots) from an array; pass the result where C expects dims.
    static func dims(_ values: [Int]) -> [dnnl_dim_t] {
        require(values.count <= 12, "oneDNN supports at most 12 dimensions")
        return values.map { dnnl_dim_t($0) } + [dnnl_dim_t](repeating: 0, count: 12 - values.count)
    }

    /// A plain row-major f32 descriptor for `shape` (a scalar is treated as `[1]`).
    static func plainDesc(_ shape: Shape) -> dnnl_memory_desc_t {
        let extents = shape.rank == 0 ? [1] : shape.dims
        let strides = Shape(extents).strides
        var desc = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_strides(&desc, Int32(extents.count), dims(extents), dnnl_f32, dims(strides)),
              "plain memory descriptor for \(shape)")
        return desc
    }

    /// A descriptor of `extents` with explicit element `strides` and element type `type`.
    static func stridedDesc(_ extents: [Int], _ strides: [Int], _ type: dnnl_data_type_t) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_strides(&desc, Int32(extents.count), dims(extents), type, dims(strides)),
              "strided memory descriptor for \(extents) / \(strides)")
        return desc
    }

    /// A descriptor that lets a primitive choose its preferred layout.
    static func anyDesc(_ extents: [Int], _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_tag(&desc, Int32(extents.count), dims(extents), type, dnnl_format_tag_any),
              "any-layout memory descriptor for \(extents)")
        return desc
    }

    /// A descriptor with an explicit format tag.
    static func taggedDesc(_ extents: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_tag(&desc, Int32(extents.count), dims(extents), dnnl_f32, tag),
              "memory descriptor for \(extents)")
        return desc
    }

    /// The descriptor of the memory currently behind a tensor.
    static func desc(of tensor: Tensor) -> dnnl_memory_desc_t {
        tensor.storage.layout?.desc ?? plainDesc(tensor.shape)
    }

    static func descEqual(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a, b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// Whether `desc` is the plain row-major layout of `shape`.
    static func isPlain(_ desc: dnnl_memory_desc_t, shape: Shape) -> Bool {
        descEqual(desc, plainDesc(shape))
    }
}

/// A oneDNN memory layout other than plain row-major (blocked, e.g. `nChw16c`, or a
/// weights layout such as `OIhw16i16o`).
final class BlockedLayout: @unchecked Sendable {
    let desc: dnnl_memory_desc_t
    /// Bytes the layout occupies, padding included.
    let byteSize: Int
    /// A small integer naming this exact descriptor, for primitive-cache keys.
    let id: Int

    private nonisolated(unsafe) static var interned: [Data: Int] = [:]
    private static let internLock = NSLock()

    init(_ desc: dnnl_memory_desc_t) {
        var copy = desc
        self.desc = desc
        byteSize = dnnl_memory_desc_get_size(&copy)
        let bytes = withUnsafeBytes(of: &copy) { Data($0) }
        BlockedLayout.internLock.lock()
        if let existing = BlockedLayout.interned[bytes] {
            id = existing
        } else {
            id = BlockedLayout.interned.count + 1
            BlockedLayout.interned[bytes] = id
        }
        BlockedLayout.internLock.unlock()
    }

    /// The layout for `desc`, or nil when `desc` is the plain row-major layout of `shape`.
    static func make(_ desc: dnnl_memory_desc_t, shape: Shape) -> BlockedLayout? {
        DNNL.isPlain(desc, shape: shape) ? nil : BlockedLayout(desc)
    }
}
