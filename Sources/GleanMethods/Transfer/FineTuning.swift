import Foundation
import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// Fine-tuning a pretrained classifier, fastai style: for the first `frozenEpochs` epochs only
/// the head (and whatever was never frozen outside `backbone`) learns; then the backbone is
/// unfrozen and trains too, usually at lower rates for earlier layers (`DiscriminativeRates`).
/// Which phase a step is in follows from its epoch, so a resumed run needs no extra state.
public final class FineTuning: TrainingTask {
    public let model: Module
    /// Backbone parameters that the frozen phase holds still (not those frozen for good).
    public let backbone: [Parameter]
    public let frozenEpochs: Int
    public let labelSmoothing: Float

    public init(model: Module, backbone: [Parameter], frozenEpochs: Int, labelSmoothing: Float = 0) {
        require(frozenEpochs >= 0, "FineTuning: frozen epochs \(frozenEpochs) must be >= 0")
        self.model = model
        self.backbone = backbone
        self.frozenEpochs = frozenEpochs
        self.labelSmoothing = labelSmoothing
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let frozen = context.epoch < frozenEpochs
        for parameter in backbone where parameter.isTrainable == frozen { parameter.isTrainable = !frozen }
        let labeled = batch.labeled!
        model.train()
        let logits = model(labeled.images)
        return StepOutput(loss: logits.crossEntropy(labels: labeled.labels, labelSmoothing: labelSmoothing),
                          logits: logits, labels: labeled.labels, scalars: ["backbone_frozen": frozen ? 1 : 0])
    }
}

/// Discriminative learning rates: a model's parameters grouped by top-level stage (the first
/// part of their names: `conv1`, `layer1`, …, `layer4`, then the head), the earliest stage at
/// `lowestScale` times the base rate, rising geometrically to 1 for the head.
public enum DiscriminativeRates {
    /// Groups of `model`'s parameters with their rate multipliers; parameters whose names start
    /// with `headPrefix` form the last group.
    public static func groups(_ model: Module, headPrefix: String, lowestScale: Float) -> [(parameters: [Parameter], rateScale: Float)] {
        require(lowestScale > 0 && lowestScale <= 1, "DiscriminativeRates: lowest scale \(lowestScale) must be in (0, 1]")
        var stages: [(String, [Parameter])] = [], head: [Parameter] = []
        for (name, parameter) in model.namedParameters() {
            if name.hasPrefix(headPrefix) {
                head.append(parameter)
                continue
            }
            let stage = String(name.prefix { $0 != "." })
            if stages.last?.0 == stage { stages[stages.count - 1].1.append(parameter) } else { stages.append((stage, [parameter])) }
        }
        let count = Float(stages.count)
        return stages.enumerated().map { index, stage in
            (stage.1, Foundation.pow(lowestScale, (count - Float(index)) / count))
        } + [(head, 1)]
    }
}
