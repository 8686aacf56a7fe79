/// Element type of a tensor's storage.
///
/// Tensors compute in `float32` today. `bfloat16` is reserved for mixed precision, where
/// convolution and linear layers run on bf16 activations and weights while master weights
/// and reductions stay in fp32; the storage already records its element type so that this
/// can be added without changing the public API.
public enum DType: String, Sendable, CaseIterable {
    case float32
    case bfloat16

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .bfloat16: return 2
        }
    }
}
