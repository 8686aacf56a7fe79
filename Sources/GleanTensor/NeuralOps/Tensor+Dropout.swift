extension Tensor {
    /// Zeroes each element with probability `probability` and scales the rest by
    /// 1 / (1 − probability) (inverted dropout). The mask comes from `generator`, so the same
    /// seed drops the same elements. Works in any layout.
    public func dropout(probability: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        if probability == 0 { return self }
        let keep = 1 / (1 - probability)
        let mask = storage.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: count)
        let physical = storage.layout == nil ? count : storage.physicalCount
        // Each 64-bit draw gives two 32-bit uniforms; an element is dropped when its uniform
        // falls below probability · 2³².
        let threshold = UInt32(Swift.min(Double(probability) * 4_294_967_296, 4_294_967_295))
        var local = generator
        var index = 0
        while index < physical {
            let bits = local.next()
            mask.pointer[index] = UInt32(truncatingIfNeeded: bits) < threshold ? 0 : keep
            if index + 1 < physical { mask.pointer[index + 1] = UInt32(truncatingIfNeeded: bits >> 32) < threshold ? 0 : keep }
            index += 2
        }
        generator = local
        let maskTensor = Tensor(shape: shape, storage: mask)
        return self * maskTensor
    }
}
