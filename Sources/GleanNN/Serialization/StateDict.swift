import GleanTensor

extension Module {
    /// Parameters, buffers and counters under PyTorch's dotted names — what a torchvision
    /// `state_dict()` holds for the same architecture.
    public func stateDict() -> [(String, StoredTensor)] {
        namedParameters().map { ($0.0, StoredTensor.float(values: $0.1.value.scalars, shape: $0.1.value.shape)) }
            + namedBuffers().map { ($0.0, StoredTensor.float(values: $0.1.value.scalars, shape: $0.1.value.shape)) }
            + namedCounters().map { ($0.0, StoredTensor.int64(values: [$0.1], shape: [])) }
    }

    /// Copies values by name. With `strict`, every model entry must be present and every file
    /// entry used (as PyTorch's `load_state_dict(strict=True)`), except integer counters such as
    /// batch norm's `num_batches_tracked`, which torchvision and timm files often lack and which
    /// then keep their values; shapes must always match. Nothing is changed unless every check passes.
    public func loadStateDict(_ tensors: [String: StoredTensor], strict: Bool = true) throws {
        let parameters = namedParameters(), buffers = namedBuffers(), counters = namedCounters()
        let expected = Set(parameters.map(\.0) + buffers.map(\.0) + counters.map(\.0))
        if strict {
            let missing = expected.subtracting(tensors.keys).subtracting(counters.map(\.0)).sorted()
            let unexpected = Set(tensors.keys).subtracting(expected).sorted()
            guard missing.isEmpty && unexpected.isEmpty else {
                throw CheckpointError.mismatch(reason: (missing.isEmpty ? "" : "missing \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? " and \(missing.count - 5) more" : ""); ")
                    + (unexpected.isEmpty ? "" : "unexpected \(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? " and \(unexpected.count - 5) more" : "")"))
            }
        }
        let shapes = parameters.map { ($0.0, $0.1.value.shape) } + buffers.map { ($0.0, $0.1.value.shape) }
        for (name, shape) in shapes {
            if let stored = tensors[name], stored.shape != shape {
                throw CheckpointError.mismatch(reason: "'\(name)' has shape \(stored.shape) in the checkpoint, \(shape) in the model")
            }
        }
        for (name, parameter) in parameters { if let stored = tensors[name] { parameter.assign(stored.tensor) } }
        for (name, buffer) in buffers { if let stored = tensors[name] { buffer.assign(stored.tensor) } }
        for (name, _) in counters {
            guard case let .int64(values, _)? = tensors[name], let value = values.first else { continue }
            let parts = name.split(separator: ".")
            let owner = namedModules().first { $0.0 == parts.dropLast().joined(separator: ".") }?.1
            _ = owner?.setCounter(String(parts.last!), to: value)
        }
    }
}
