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
        var local = generator
        for index in 0..<physical { mask.pointer[index] = local.nextUniform() < probability ? 0 : keep }
        generator = local
        let maskTensor = Tensor(shape: shape, storage: mask)
        return self * maskTensor
    }
}
