import GleanData
import GleanNN
import GleanTensor

/// Changes a batch's regression targets before the loss (e.g. DisturbValue), from the step's
/// own seeded randomness, so that a resumed run draws the same noise.
public protocol TargetNoise {
    /// The targets the loss sees for `targets` at optimizer step `step`.
    func apply(to targets: [Float], step: Int) -> [Float]
}

/// Regression of one value per example with mean squared error. Targets are looked up by each
/// batch's dataset indices (the loader's labels are unused), so any `BatchSource` of feature
/// rows or images works.
public final class Regression: TrainingTask {
    public let model: Module
    /// One target per dataset index.
    public let targets: [Float]
    public let targetNoise: TargetNoise?

    public init(model: Module, targets: [Float], targetNoise: TargetNoise? = nil) {
        self.model = model
        self.targets = targets
        self.targetNoise = targetNoise
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let examples = batch.labeled!
        model.train()
        var batchTargets = Self.targets(of: examples, in: targets)
        if let targetNoise { batchTargets = targetNoise.apply(to: batchTargets, step: context.globalStep) }
        let predictions = model(examples.images)
        let loss = predictions.meanSquaredError(targets: Tensor(batchTargets, shape: predictions.shape))
        return StepOutput(loss: loss, exampleCount: examples.indices.count)
    }

    /// `table[index]` for every example of `batch`.
    static func targets(of batch: Batch, in table: [Float]) -> [Float] {
        batch.indices.map { index in
            require(index >= 0 && index < table.count, "Regression: example \(index) has no target (\(table.count) targets)")
            return table[index]
        }
    }
}

/// Mean squared error (`loss`), RMSE, MAE and R² of a regressor on a loader, with targets
/// looked up by dataset index. `scale` and `offset` map standardized predictions and targets
/// back to the table's units (`value · scale + offset`) before measuring.
public struct RegressionValidation: Validation {
    public let loader: BatchSource
    public let targets: [Float]
    public let scale: Float, offset: Float

    public init(_ loader: BatchSource, targets: [Float], scale: Float = 1, offset: Float = 0) {
        self.loader = loader
        self.targets = targets
        self.scale = scale
        self.offset = offset
    }

    public func validate(_ model: Module) -> EpochMetrics {
        var predicted: [Double] = [], actual: [Double] = []
        for batch in loader.batches(epoch: 0) {
            let output = model.inference(batch.images)
            require(output.count == batch.indices.count, "RegressionValidation: the model must output one value per example, got \(output.shape)")
            predicted += output.scalars.map { Double($0 * scale + offset) }
            actual += Regression.targets(of: batch, in: targets).map { Double($0 * scale + offset) }
        }
        let count = Double(max(actual.count, 1))
        let errors = zip(predicted, actual).map { $0 - $1 }
        let squared = errors.map { $0 * $0 }.reduce(0, +) / count
        let mean = actual.reduce(0, +) / count
        let variance = actual.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count
        return ["loss": squared, "rmse": squared.squareRoot(), "mae": errors.map(abs).reduce(0, +) / count,
                "r2": variance > 0 ? 1 - squared / variance : 0]
    }
}
