import GleanTensor

/// Batch normalisation over the channel axis of `[N, C]` or `[N, C, H, W]` input
/// (PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d`): `weight`/`bias` `[C]`,
/// buffers `running_mean`/`running_var` `[C]`.
public final class BatchNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let momentum: Float
    public let epsilon: Float
    /// Training batches seen (PyTorch's `num_batches_tracked`, saved in checkpoints).
    public var batchesTracked: Int64 = 0
    /// In data-parallel training, sums values over the processes: training then normalises
    /// with the statistics of the global batch (PyTorch's `SyncBatchNorm`). Nil: each process's
    /// own batch.
    public var sumOverProcesses: ((inout [Double]) -> Void)?

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        require(channels > 0, "BatchNorm: channels \(channels) must be positive")
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        runningMean = Buffer(.zeros([channels]))
        runningVariance = Buffer(.ones([channels]))
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public override var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }
    public override var ownBuffers: [(String, Buffer)] { [("running_mean", runningMean), ("running_var", runningVariance)] }

    public override var ownCounters: [(String, Int64)] { [("num_batches_tracked", batchesTracked)] }

    public override func setCounter(_ name: String, to value: Int64) -> Bool {
        guard name == "num_batches_tracked" else { return false }
        batchesTracked = value
        return true
    }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, relu: false) }

    /// The normalised input, followed by ReLU in the same pass when `relu` (one read and write
    /// of the activations instead of two); reported to `Module.observer` as a call.
    public func callAsFunction(_ input: Tensor, relu: Bool) -> Tensor {
        let output = forward(input, relu: relu)
        Module.observer?(self, output)
        return output
    }

    /// The normalised input, followed by ReLU in the same pass when `relu`.
    public func forward(_ input: Tensor, relu: Bool) -> Tensor {
        if isTraining { batchesTracked += 1 }
        return input.batchNorm(scale: weight.value, shift: bias.value, runningMean: runningMean.value,
                               runningVariance: runningVariance.value, training: isTraining, momentum: momentum, epsilon: epsilon,
                               relu: relu, sumOverProcesses: sumOverProcesses)
    }
}

/// PyTorch's name for batch norm over `[N, C]`.
public typealias BatchNorm1d = BatchNorm
/// PyTorch's name for batch norm over `[N, C, H, W]`.
public typealias BatchNorm2d = BatchNorm
