import CDNNL

/// Memory for primitive operands that are not fp32 tensors (bf16 activations and weights).
final class RawBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    private let capacity: Int

    init(bytes: Int) {
        (pointer, capacity) = BufferAllocator.shared.allocate(bytes: max(bytes, 1))
    }

    deinit {
        BufferAllocator.shared.release(pointer, capacity: capacity)
    }
}

/// Memory a primitive reads, with its oneDNN description: a tensor's fp32 storage, or a
/// converted copy (e.g. bf16 in the layout a mixed-precision convolution asked for).
struct OperandMemory {
    let desc: dnnl_memory_desc_t
    /// `BlockedLayout.id` of `desc` (0 for plain fp32), for reorder cache keys.
    let layoutID: Int
    let pointer: UnsafeMutableRawPointer
    /// Keeps the memory alive.
    let owner: AnyObject

    init(storage: TensorStorage, desc: dnnl_memory_desc_t) {
        self.desc = desc
        layoutID = storage.layout?.id ?? 0
        pointer = UnsafeMutableRawPointer(storage.pointer)
        owner = storage
    }

    private init(buffer: RawBuffer, desc: dnnl_memory_desc_t, layoutID: Int) {
        self.desc = desc
        self.layoutID = layoutID
        pointer = buffer.pointer
        owner = buffer
    }

    /// `tensor`'s values as `desc` describes them (layout and element type); the tensor's own
    /// storage when it already matches.
    static func of(_ tensor: Tensor, as desc: dnnl_memory_desc_t) -> OperandMemory {
        if desc.data_type == dnnl_f32 { return OperandMemory(storage: Reorder.storage(tensor, as: desc), desc: desc) }
        return OperandMemory(storage: tensor.storage, desc: DNNL.desc(of: tensor)).converted(to: desc, shape: tensor.shape)
    }

    /// This memory as `target` describes it (a reorder, converting the element type when it
    /// differs); itself when it already matches.
    func converted(to target: dnnl_memory_desc_t, shape: Shape) -> OperandMemory {
        if DNNL.descEqual(desc, target) { return self }
        let layout = BlockedLayout(target)
        let buffer = RawBuffer(bytes: layout.byteSize)
        Reorder.run(from: desc, fromLayoutID: layoutID, fromPointer: pointer, to: target, toLayoutID: layout.id,
                    toPointer: buffer.pointer, shape: shape)
        return OperandMemory(buffer: buffer, desc: target, layoutID: layout.id)
    }
}
