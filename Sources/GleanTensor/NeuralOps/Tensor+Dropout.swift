extension Tensor {
    /// Zeroes each element with probability `probability` and scales the rest by
    /// 1 / (1 − probability) (inverted dropout). The mask comes from `generator`, so the same
    /// seed drops the same elements. Works in any layout.
    public func dropout(probability: Float, generator: inout RandomGenerator) -> Tensor {
        require(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        if probability == 0 { return self }
        let keep = 1 / (1 - probability)
        let mask = storage.layout.map { TensorStorage(layout: $0) } ?? TensorStorage(count: count)
        let physical = storage.layout == nil ? count : storage.physicalCount
        // Each 64-bit draw gives two 32-bit uniforms; an element is dropped when its uniform
        // falls below probability · 2³².
        let threshold = UInt32(Swift.min(Double(probability) * 4_294_967_296, 4_294_967_295))
        var local = generator
        let output = mask.pointer
        for pair in 0..<(physical / 2) {
            let bits = local.next()
            output[2 &* pair] = UInt32(truncatingIfNeeded: bits) < threshold ? 0 : keep
            output[2 &* pair &+ 1] = UInt32(truncatingIfNeeded: bits >> 32) < threshold ? 0 : keep
        }
        if physical % 2 == 1 {
            output[physical - 1] = UInt32(truncatingIfNeeded: local.next()) < threshold ? 0 : keep
        }
        generator = local
        let maskTensor = Tensor(shape: shape, storage: mask)
        return self * maskTensor
    }
}
