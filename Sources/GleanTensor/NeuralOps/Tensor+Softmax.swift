extension Tensor {
    /// Softmax along `axis` (probabilities that sum to 1).
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily("softmax", axis: axis, log: false) }

    /// log(softmax(x)) along `axis`, computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily("logSoftmax", axis: axis, log: true) }

    private func softmaxFamily(_ name: String, axis: Int, log: Bool) -> Tensor {
        let axis = shape.normalizedAxis(axis, op: name)
        let output = SoftmaxKernels.forward(self, axis: axis, log: log)
        let result = Tensor.recorded(name, shape: shape, storage: output.storage, inputs: [self]) { g in
            [SoftmaxKernels.backward(g, output: output, axis: axis, log: log)]
        }
        OpTrace.note(.softmax(axis: axis, log: log), inputs: [self], output: result)
        return result
    }
}
