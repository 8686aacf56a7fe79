import CDNNL
import Foundation

/// A created oneDNN primitive with its descriptor; creation costs far more than execution,
/// so each distinct (kind, shapes, layouts, attributes) is created once.
final class CachedPrimitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let scratchpadBytes: Int

    init(descriptor: dnnl_primitive_desc_t, name: String) {
        self.descriptor = descriptor
        var primitive: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&primitive, descriptor), "create \(name) primitive")
        self.primitive = primitive!
        if let scratch = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0) {
            var copy = scratch.pointee
            scratchpadBytes = dnnl_memory_desc_get_size(&copy)
        } else {
            scratchpadBytes = 0
        }
    }

    /// The memory descriptor the primitive chose for `query` (e.g. `dnnl_query_src_md`).
    func desc(_ query: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
        guard let md = dnnl_primitive_desc_query_md(descriptor, query, index) else {
            return dnnl_memory_desc_t()
        }
        return md.pointee
    }

    /// Runs the primitive on `arguments`, supplying a scratchpad from the caching allocator.
    func execute(_ arguments: [PrimitiveArgument]) {
        var memories: [dnnl_memory_t?] = []
        memories.reserveCapacity(arguments.count + 1)
        var execArgs: [dnnl_exec_arg_t] = []
        var all = arguments
        let scratch: TensorStorage? = scratchpadBytes > 0
            ? TensorStorage(count: (scratchpadBytes + 3) / 4) : nil
        if let scratch {
            all.append(PrimitiveArgument(GLEAN_ARG_SCRATCHPAD,
                                         desc(dnnl_query_scratchpad_md), scratch.pointer))
        }
        for argument in all {
            var memory: dnnl_memory_t?
            var md = argument.desc
            DNNL.check(dnnl_memory_create(&memory, &md, DNNL.engine, argument.pointer), "memory create")
            memories.append(memory)
            execArgs.append(dnnl_exec_arg_t(arg: argument.index, memory: memory))
        }
        DNNL.check(dnnl_primitive_execute(primitive, DNNL.stream, Int32(execArgs.count), execArgs), "execute")
        DNNL.check(dnnl_stream_wait(DNNL.stream), "stream wait")
        for memory in memories { dnnl_memory_destroy(memory) }
        withExtendedLifetime(scratch) {}
    }
}

/// One memory argument of a primitive execution.
struct PrimitiveArgument {
    let index: Int32
    let desc: dnnl_memory_desc_t
    let pointer: UnsafeMutableRawPointer

    init(_ index: Int32, _ desc: dnnl_memory_desc_t, _ pointer: UnsafeMutablePointer<Float>) {
        self.index = index
        self.desc = desc
        self.pointer = UnsafeMutableRawPointer(pointer)
    }

    init(_ index: Int32, _ desc: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer) {
        self.index = index
        self.desc = desc
        self.pointer = pointer
    }
}

/// Identifies a primitive: its kind and every integer that shapes it (dims, strides,
/// layout ids, flags).
struct PrimitiveKey: Hashable {
    let kind: String
    let values: [Int]
}

/// The process-wide cache of created primitives.
enum PrimitiveCache {
    private nonisolated(unsafe) static var entries: [PrimitiveKey: CachedPrimitive] = [:]
    private static let lock = NSLock()

    /// Attributes shared by every primitive: the scratchpad is supplied by Glean.
    nonisolated(unsafe) static let attributes: dnnl_primitive_attr_t = {
        var attr: dnnl_primitive_attr_t?
        DNNL.check(dnnl_primitive_attr_create(&attr), "attr create")
        DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode")
        return attr!
    }()

    /// The cached primitive for `key`, created with `makeDescriptor` on first use.
    static func primitive(_ key: PrimitiveKey, _ makeDescriptor: () -> dnnl_primitive_desc_t) -> CachedPrimitive {
        lock.lock()
        if let hit = entries[key] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let created = CachedPrimitive(descriptor: makeDescriptor(), name: key.kind)
        lock.lock()
        entries[key] = created
        lock.unlock()
        return created
    }

    /// The shared attributes plus a ReLU post-op on the output.
    nonisolated(unsafe) static let reluPostOpAttributes: dnnl_primitive_attr_t = {
        var attr: dnnl_primitive_attr_t?
        DNNL.check(dnnl_primitive_attr_create(&attr), "attr create")
        DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode")
        var postOps: dnnl_post_ops_t?
        DNNL.check(dnnl_post_ops_create(&postOps), "post-ops create")
        DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "append ReLU post-op")
        DNNL.check(dnnl_primitive_attr_set_post_ops(attr, postOps), "set post-ops")
        dnnl_post_ops_destroy(postOps)
        return attr!
    }()

    /// Creates a primitive descriptor from an op descriptor (with the shared attributes unless
    /// `attributes` is given).
    static func describe<OpDesc>(_ opDesc: inout OpDesc, hint: dnnl_primitive_desc_t? = nil,
                                 attributes: dnnl_primitive_attr_t? = nil, _ name: String) -> dnnl_primitive_desc_t {
        var descriptor: dnnl_primitive_desc_t?
        let chosen = attributes ?? Self.attributes
        let status = withUnsafePointer(to: &opDesc) { pointer in
            dnnl_primitive_desc_create(&descriptor, UnsafeRawPointer(pointer), chosen, DNNL.engine, hint)
        }
        DNNL.check(status, "describe \(name)")
        return descriptor!
    }
}
