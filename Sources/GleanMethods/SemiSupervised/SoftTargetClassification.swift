import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// Classification against a target distribution per training image (teacher soft labels,
/// one-hot pseudo-labels, one-hot true labels): `loss = mean CE(logits, targets[index])`. The
/// targets are looked up by each batch's dataset indices, so images may repeat with their own
/// targets. The running accuracy compares the argmax with each target's argmax. With `mixing`,
/// each batch's images and targets are mixed (MixUp or CutMix) before the loss.
public final class SoftTargetClassification: TrainingTask {
    public let model: Module
    /// `[images, classes]`, rows summing to 1.
    public let targets: [[Float]]
    public let mixing: BatchMixing.Kind?
    /// Seeds the mixing: step `s` draws from `RandomGenerator(seed: seed, stream: "mixing/s")`.
    public let seed: UInt64
    private let targetLabels: [Int]

    public init(model: Module, targets: [[Float]], mixing: BatchMixing.Kind? = nil, seed: UInt64 = 0) {
        let classCount = targets.first?.count ?? 0
        require(targets.allSatisfy { $0.count == classCount }, "SoftTargetClassification: every target needs \(classCount) classes")
        self.model = model
        self.targets = targets
        self.mixing = mixing
        self.seed = seed
        targetLabels = targets.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let labeled = batch.labeled!
        model.train()
        let classCount = targets.first?.count ?? 0
        let batchTargets = Tensor(shape: [labeled.indices.count, classCount]) { buffer in
            for (row, index) in labeled.indices.enumerated() {
                require(index >= 0 && index < targets.count, "SoftTargetClassification: image \(index) has no target")
                for column in 0..<classCount { buffer[row * classCount + column] = targets[index][column] }
            }
        }
        guard let mixing else {
            let logits = model(labeled.images)
            require(logits.shape == batchTargets.shape, "SoftTargetClassification: scores \(logits.shape) do not match targets \(batchTargets.shape)")
            return StepOutput(loss: logits.crossEntropy(targets: batchTargets), logits: logits,
                              labels: labeled.indices.map { targetLabels[$0] })
        }
        var generator = RandomGenerator(seed: seed, stream: "mixing/\(context.globalStep)")
        let mixed = BatchMixing.mix(mixing, images: labeled.images, targets: batchTargets, generator: &generator)
        let logits = model(mixed.images)
        require(logits.shape == mixed.targets.shape, "SoftTargetClassification: scores \(logits.shape) do not match targets \(mixed.targets.shape)")
        return StepOutput(loss: logits.crossEntropy(targets: mixed.targets), exampleCount: labeled.indices.count)
    }
}

/// Self-training's data steps (offline pseudo-labeling, Noisy Student): a teacher's class
/// probabilities on the unlabeled images, and the student's training set built from them.
public enum SelfTraining {
    /// Softmax of `teacher`'s scores for every image of `loader`, in the loader's order (eval
    /// mode, no gradients).
    public static func probabilities(of teacher: Module, on loader: BatchSource) -> [[Float]] {
        let logits = FeatureSet.extract(teacher, from: loader).features
        let classes = logits.shape[1]
        let values = withoutGradients { logits.softmax(axis: 1) }.scalars
        return (0..<logits.shape[0]).map { Array(values[($0 * classes)..<(($0 + 1) * classes)]) }
    }

    /// The labeled images with one-hot targets followed by the selected unlabeled images with
    /// theirs; the dataset's labels are the targets' argmax.
    public static func studentData(labeled: ImageDataset, unlabeled: ImageDataset,
                                   selection: PseudoLabelSelection.Selection) -> (images: ImageDataset, targets: [[Float]]) {
        let pseudo = unlabeled.subset(selection.indices)
        let relabeled = ImageDataset(pixels: pseudo.pixels, labels: selection.labels, channels: pseudo.channels, height: pseudo.height,
                                     width: pseudo.width, classCount: pseudo.classCount, classNames: pseudo.classNames)
        let oneHot = labeled.labels.map { label in (0..<labeled.classCount).map { Float($0 == label ? 1 : 0) } }
        return (labeled.appending(relabeled), oneHot + selection.targets)
    }
}
