import Foundation
import Glean
import Testing

/// Cross-entropy of one row of logits against a class, in Double, for the hand-computed losses.
private func crossEntropy(_ row: [Float], _ label: Int) -> Double {
    let maximum = Double(row.max()!)
    let logSum = log(row.map { exp(Double($0) - maximum) }.reduce(0, +)) + maximum
    return logSum - Double(row[label])
}

private extension Array where Element == Float {
    /// The index of the largest element (the first on ties).
    var argmaxIndex: Int { indices.max { self[$0] < self[$1] }! }
}

private func softmax(_ row: [Float]) -> [Double] {
    let exps = row.map { exp(Double($0)) }
    return exps.map { $0 / exps.reduce(0, +) }
}

@Suite struct PseudoLabelTests {
    /// Argmax, confidence and the threshold mask; the masked loss divides by every row.
    @Test func maskKeepsConfidentRowsAndTheLossDividesByAll() {
        let rows: [[Float]] = [[4, 0, 0], [0.2, 0.1, 0], [0, 0, 3], [0, 1, 1.1]]
        let logits = Tensor(rows.flatMap { $0 }, shape: [4, 3])
        let pseudo = PseudoLabels(logits: logits, threshold: 0.9)
        #expect(pseudo.labels == [0, 0, 2, 2])
        #expect(zip(pseudo.confidences, rows).allSatisfy { abs(Double($0) - softmax($1).max()!) < 1e-6 })
        #expect(pseudo.mask == [true, false, true, false] && pseudo.maskRate == 0.5)
        let other: [[Float]] = [[1, 2, 0], [0, 0, 0], [0.5, -1, 2], [3, 3, 3]]
        let loss = pseudo.maskedCrossEntropy(Tensor(other.flatMap { $0 }, shape: [4, 3])).item
        let expected = (crossEntropy(other[0], 0) + crossEntropy(other[2], 2)) / 4
        #expect(abs(Double(loss) - expected) < 1e-5)
        let scalars = pseudo.scalars(trueLabels: [0, 1, 1, 2])
        #expect(scalars["pseudo_accuracy"] == 0.5 && scalars["all_pseudo_accuracy"] == 0.5 && scalars["mask_rate"] == 0.5)
        #expect(pseudo.scalars(trueLabels: nil).keys.sorted() == ["mask_rate", "pseudo_top_share"])
        // Kept rows 0 and 2 have pseudo-labels 0 and 2: the most frequent class takes half.
        #expect(pseudo.topClassShare == 0.5 && scalars["pseudo_top_share"] == 0.5)
    }

    /// Gradients reach only the kept rows: d/dlogits = (softmax − onehot) / N on them.
    @Test func maskedLossGradientTouchesOnlyKeptRows() {
        let logits = Tensor([2, 0, 0, 0, 0, 0], shape: [2, 3]).requiringGrad()
        let pseudo = PseudoLabels(logits: logits, threshold: 0.5)
        #expect(pseudo.mask == [true, false])
        pseudo.maskedCrossEntropy(logits).backward()
        let gradient = logits.grad!.scalars
        let p = softmax([2, 0, 0])
        #expect(abs(Double(gradient[0]) - (p[0] - 1) / 2) < 1e-5 && abs(Double(gradient[1]) - p[1] / 2) < 1e-5)
        #expect(gradient[3...].allSatisfy { $0 == 0 })
    }

    @Test func rampIsZeroThenLinearThenHeld() {
        let ramp = PseudoLabelRamp(start: 10, end: 20, finalWeight: 3)
        #expect(ramp.weight(at: 0) == 0 && ramp.weight(at: 9) == 0 && ramp.weight(at: 10) == 0)
        #expect(abs(ramp.weight(at: 15) - 1.5) < 1e-6 && ramp.weight(at: 20) == 3 && ramp.weight(at: 1000) == 3)
        #expect(PseudoLabelRamp(start: 5, end: 5, finalWeight: 2).weight(at: 5) == 2)
    }
}

@Suite struct FlexibleThresholdTests {
    /// Logits whose softmax over 2 classes gives `probability` to `label`.
    private func logits(_ rows: [(label: Int, probability: Float)]) -> Tensor {
        Tensor(rows.flatMap { row -> [Float] in
            let z = log(row.probability / (1 - row.probability))
            return row.label == 0 ? [z, 0] : [0, z]
        }, shape: [rows.count, 2])
    }

    /// Thresholds start at 0 (everything is used), then follow τ·β/(2−β) with β counting the
    /// confident predictions per class against the largest count, unused images included.
    @Test func thresholdsRiseWithEachClassesConfidentPredictions() throws {
        let flexible = FlexibleThresholds(threshold: 0.9, classCount: 2, unlabeledCount: 4)
        let first = PseudoLabels(logits: logits([(0, 0.95), (0, 0.95), (1, 0.5)]), threshold: 0.9)
        #expect(flexible.mask(first, indices: [0, 1, 2]) == [true, true, true])
        #expect(flexible.selected == [0, 0, -1, -1])
        // counts [2, 0], 2 unused: β = [1, 0], thresholds [0.9, 0].
        #expect(abs(flexible.classThresholds[0] - 0.9) < 1e-6 && flexible.classThresholds[1] == 0)
        let second = PseudoLabels(logits: logits([(0, 0.85), (1, 0.6)]), threshold: 0.9)
        #expect(flexible.mask(second, indices: [2, 3]) == [false, true])
        #expect(flexible.selected == [0, 0, -1, -1])
        let third = PseudoLabels(logits: logits([(1, 0.97)]), threshold: 0.9)
        _ = flexible.mask(third, indices: [3])
        // counts [2, 1], 1 unused: β = [1, 0.5], thresholds [0.9, 0.9·0.5/1.5].
        #expect(abs(flexible.classThresholds[1] - 0.3) < 1e-6)
        let restored = FlexibleThresholds(threshold: 0.9, classCount: 2, unlabeledCount: 4)
        try restored.restoreState(flexible.saveState())
        #expect(restored.selected == flexible.selected && restored.classThresholds == flexible.classThresholds)
        #expect(throws: CheckpointError.self) { try FlexibleThresholds(threshold: 0.9, classCount: 2, unlabeledCount: 5).restoreState(flexible.saveState()) }
    }
}

@Suite struct DistributionAlignmentTests {
    /// Each row times target / running (the running mean updated with this batch first), renormalised.
    @Test func alignmentScalesByTargetOverTheRunningMean() throws {
        let alignment = DistributionAlignment(classCounts: [3, 1], momentum: 0.5)
        #expect(alignment.target == [0.75, 0.25] && alignment.running == [0.75, 0.25])
        let aligned = alignment.align([0.9, 0.1, 0.5, 0.5], rows: 2)
        // batch mean [0.7, 0.3]; running 0.5·[0.75, 0.25] + 0.5·[0.7, 0.3] = [0.725, 0.275].
        #expect(abs(alignment.running[0] - 0.725) < 1e-6 && abs(alignment.running[1] - 0.275) < 1e-6)
        let factors = [0.75 / 0.725, 0.25 / 0.275]
        for (row, probabilities) in [[0.9, 0.1], [0.5, 0.5]].enumerated() {
            let scaled = zip(probabilities, factors).map { $0 * $1 }
            for column in 0..<2 {
                #expect(abs(Double(aligned[2 * row + column]) - scaled[column] / scaled.reduce(0, +)) < 1e-6)
            }
        }
        let restored = DistributionAlignment(classCounts: [3, 1], momentum: 0.5)
        try restored.restoreState(alignment.saveState())
        #expect(restored.running == alignment.running)
        #expect(throws: CheckpointError.self) { try DistributionAlignment(classCounts: [1, 1, 1]).restoreState(alignment.saveState()) }
        #expect(throws: CheckpointError.self) { try restored.restoreState([]) }
    }

    /// A class the batch under-predicts gains confidence: a 0.93 prediction of class 1 among
    /// confident class-0 rows passes the 0.95 threshold once aligned to balanced labels.
    @Test func fixMatchKeepsAnUnderPredictedClassOnceAligned() throws {
        let weak: [[Float]] = [[4, 0], [4, 0], [0, 0.86]], strong: [[Float]] = [[1, 1], [2, 0], [-1, 1]]
        let labeled = Batch(images: Tensor([1, 0, 0, 1], shape: [2, 2, 1, 1]), labels: [0, 1], indices: [0, 1])
        let unlabeled = Batch(images: Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), labels: [0, 0, 1], indices: [0, 1, 2],
                              views: [Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), Tensor(strong.flatMap { $0 }, shape: [3, 2, 1, 1])])
        let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
        let plain = FixMatch(model: try SemiSupervisedTaskTests.linearModel(), threshold: 0.95)
        #expect(plain.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context).scalars["mask_rate"] == 0)
        let aligned = FixMatch(model: try SemiSupervisedTaskTests.linearModel(), threshold: 0.95,
                               distributionAlignment: DistributionAlignment(classCounts: [1, 1], momentum: 0))
        let output = aligned.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        #expect(abs(output.scalars["mask_rate"]! - 1.0 / 3) < 1e-9 && output.scalars["pseudo_accuracy"] == 1)
        let supervised = (crossEntropy(SemiSupervisedTaskTests.logits([1, 0]), 0) + crossEntropy(SemiSupervisedTaskTests.logits([0, 1]), 1)) / 2
        #expect(abs(Double(output.loss.item) - (supervised + crossEntropy(SemiSupervisedTaskTests.logits(strong[2]), 1) / 3)) < 1e-5)
        #expect(aligned.saveState().tensors.map(\.0) == ["distribution_alignment.running"])
    }
}

@Suite struct PseudoLabelSelectionTests {
    private let probabilities: [[Float]] = [[0.995, 0.005, 0], [0.2, 0.8, 0], [0.999, 0.001, 0], [0, 0.991, 0.009],
                                            [0.5, 0.5, 0], [0.992, 0.008, 0], [0, 0, 1]]

    /// Offline pseudo-labeling: every image at or above the threshold, once, one-hot.
    @Test func thresholdKeepsConfidentImagesWithHardTargets() {
        let selection = PseudoLabelSelection(threshold: 0.99).select(probabilities: probabilities)
        #expect(selection.confidentPerClass == [3, 1, 1])
        #expect(selection.indices == [0, 2, 5, 3, 6] && selection.labels == [0, 0, 0, 1, 2])
        #expect(selection.targets[3] == [0, 1, 0])
    }

    /// Noisy Student: the N most confident per class, short classes repeated; soft targets.
    @Test func balancingTakesTopKAndRepeatsShortClasses() {
        let selection = PseudoLabelSelection(threshold: 0.9, targets: .soft, perClass: 2).select(probabilities: probabilities)
        #expect(selection.indices == [2, 0, 3, 3, 6, 6])
        #expect(selection.targets[0] == probabilities[2] && selection.labels == [0, 0, 1, 1, 2, 2])
    }

    /// The student's set: labeled images with one-hot targets, then the pseudo-labeled ones.
    @Test func studentDataAppendsPseudoLabeledImages() {
        let labeled = topOrBottomImages(count: 4, seed: 1), unlabeled = topOrBottomImages(count: 6, seed: 2)
        let selection = PseudoLabelSelection(threshold: 0.6, targets: .soft).select(
            probabilities: [[0.7, 0.3], [0.5, 0.5], [0.1, 0.9], [0.8, 0.2], [0.55, 0.45], [0.35, 0.65]])
        let (images, targets) = SelfTraining.studentData(labeled: labeled, unlabeled: unlabeled, selection: selection)
        #expect(images.count == 4 + 4 && targets.count == 8)
        #expect(images.labels == labeled.labels + [0, 0, 1, 1] && targets[0] == [1, 0] && targets[4] == [0.7, 0.3])
        #expect(Array(images.pixels[(4 * 64)..<(5 * 64)]) == Array(unlabeled.pixels[0..<64]))
    }
}

@Suite struct SemiSupervisedTaskTests {
    /// A linear classifier over 2 inputs with known weights, for hand-computed losses.
    static func linearModel() throws -> Module {
        var generator = RandomGenerator(seed: 0)
        let model = Sequential([Lambda.flatten(), Linear(2, 2, generator: &generator)])
        try model.loadStateDict(["1.weight": .float(values: [1, -1, 0.5, 2], shape: [2, 2]), "1.bias": .float(values: [0, 0], shape: [2])])
        return model
    }

    static func logits(_ input: [Float]) -> [Float] { [input[0] - input[1], 0.5 * input[0] + 2 * input[1]] }

    /// Batch norm over two channels (scale 1, shift 0, running mean 0 and variance 1) before
    /// the linear model of `logits`.
    private static func batchNormModel() throws -> Module {
        var generator = RandomGenerator(seed: 0)
        let model = Sequential([BatchNorm2d(2), Lambda.flatten(), Linear(2, 2, generator: &generator)])
        try model.loadStateDict(["2.weight": .float(values: [1, -1, 0.5, 2], shape: [2, 2]), "2.bias": .float(values: [0, 0], shape: [2]),
                                 "0.weight": .float(values: [1, 1], shape: [2]), "0.bias": .float(values: [0, 0], shape: [2]),
                                 "0.running_mean": .float(values: [0, 0], shape: [2]), "0.running_var": .float(values: [1, 1], shape: [2])])
        return model
    }

    /// `batchNormModel`'s logits in eval mode: the running statistics leave the input /√(1 + ε).
    private static func evalModeLogits(_ input: [Float]) -> [Float] { logits(input.map { $0 / Float(1 + 1e-5).squareRoot() }) }

    /// `batchNormModel`'s logits in train mode for a batch of `rows`: each channel normalised by
    /// the batch's mean and biased variance, in Double.
    private static func trainModeLogits(_ rows: [[Float]]) -> [[Float]] {
        rows.map { row in
            logits((0..<2).map { channel -> Float in
                let values = rows.map { Double($0[channel]) }, count = Double(rows.count)
                let mean = values.reduce(0, +) / count, variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count
                return Float((Double(row[channel]) - mean) / (variance + 1e-5).squareRoot())
            })
        }
    }

    /// The mean soft-target cross-entropy of the linear model on a mixed batch of two-pixel
    /// images and two-class targets, by hand in Double.
    private static func meanCrossEntropy(_ mixed: MixedBatch) -> Double {
        let inputs = mixed.images.scalars, targets = mixed.targets.scalars, rows = mixed.images.shape[0]
        var total = 0.0
        for row in 0..<rows {
            let scores = logits([inputs[2 * row], inputs[2 * row + 1]])
            let first = Double(targets[2 * row]) * crossEntropy(scores, 0)
            total += first + Double(targets[2 * row + 1]) * crossEntropy(scores, 1)
        }
        return total / Double(rows)
    }

    /// FixMatch's loss is CE(labeled) + λ·Σ mask·CE(strong, argmax weak) / N_u, with the weak
    /// view's softmax deciding the mask.
    @Test func fixMatchLossMatchesTheFormula() throws {
        let labeledInputs: [[Float]] = [[1, 0], [0, 1]], weak: [[Float]] = [[4, 0], [0.1, 0.1], [0, 3]], strong: [[Float]] = [[1, 1], [2, 0], [-1, 1]]
        let labeled = Batch(images: Tensor(labeledInputs.flatMap { $0 }, shape: [2, 2, 1, 1]), labels: [0, 1], indices: [0, 1])
        let unlabeled = Batch(images: Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), labels: [0, 0, 1], indices: [0, 1, 2],
                              views: [Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), Tensor(strong.flatMap { $0 }, shape: [3, 2, 1, 1])])
        let task = FixMatch(model: try Self.linearModel(), threshold: 0.95, unlabeledWeight: 2)
        let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
        let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        let supervised = (crossEntropy(Self.logits(labeledInputs[0]), 0) + crossEntropy(Self.logits(labeledInputs[1]), 1)) / 2
        // weak logits: [4, 2] (p 0.88, dropped), [0, 0.25] (dropped), [-3, 6] (class 1, kept).
        let unsupervised = crossEntropy(Self.logits(strong[2]), 1) / 3
        #expect(abs(Double(output.loss.item) - (supervised + 2 * unsupervised)) < 1e-5)
        #expect(abs(output.scalars["mask_rate"]! - 1.0 / 3) < 1e-9 && output.scalars["pseudo_accuracy"] == 1)
        #expect(output.labels == [0, 1] && output.logits!.shape == [2, 2] && output.exampleCount == 5)
    }

    /// Online pseudo-labeling weighs its own argmax labels by the ramp at the global step.
    @Test func onlinePseudoLabelingUsesTheRamp() throws {
        let labeled = Batch(images: Tensor([1, 0], shape: [1, 2, 1, 1]), labels: [0], indices: [0])
        let unlabeled = Batch(images: Tensor([0, 1, 2, 0], shape: [2, 2, 1, 1]), labels: [1, 1], indices: [0, 1])
        let task = OnlinePseudoLabeling(model: try Self.linearModel(), ramp: PseudoLabelRamp(start: 10, end: 20, finalWeight: 3))
        let supervised = crossEntropy(Self.logits([1, 0]), 0)
        let pseudo = (crossEntropy(Self.logits([0, 1]), 1) + crossEntropy(Self.logits([2, 0]), 0)) / 2
        for (step, alpha) in [(5, 0.0), (15, 1.5), (30, 3.0)] {
            let context = StepContext(globalStep: step, epoch: 0, stepInEpoch: step, stepsPerEpoch: 100, totalSteps: 100)
            let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
            #expect(abs(Double(output.loss.item) - (supervised + alpha * pseudo)) < 1e-5)
            #expect(output.scalars["alpha"] == alpha && output.scalars["all_pseudo_accuracy"] == 0.5)
        }
    }

    /// With the eval-mode pass, the pseudo-labels are the argmax of batch norm's running
    /// statistics (here the identity), while the loss takes the train-mode pass, normalised over
    /// the labeled and unlabeled batch together: two of the four unlabeled images change class
    /// between the passes, so the train-mode labels would give another loss.
    @Test func onlinePseudoLabelingCanLabelFromAnEvalPass() throws {
        let model = try Self.batchNormModel()
        let labeledInputs: [[Float]] = [[1, 0], [0, 2]], unlabeledInputs: [[Float]] = [[3, 0], [0, 0.1], [0, 2], [-1, 0]]
        let labeled = Batch(images: Tensor(labeledInputs.flatMap { $0 }, shape: [2, 2, 1, 1]), labels: [0, 1], indices: [0, 1])
        let unlabeled = Batch(images: Tensor(unlabeledInputs.flatMap { $0 }, shape: [4, 2, 1, 1]), labels: [0, 1, 1, 0], indices: [0, 1, 2, 3])
        let task = OnlinePseudoLabeling(model: model, ramp: PseudoLabelRamp(start: 0, end: 0, finalWeight: 2), labelsFromEvalPass: true)
        let context = StepContext(globalStep: 3, epoch: 0, stepInEpoch: 3, stepsPerEpoch: 10, totalSteps: 10)
        let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        let evalLabels = unlabeledInputs.map { Self.evalModeLogits($0).argmaxIndex }
        let trainLogits = Self.trainModeLogits(labeledInputs + unlabeledInputs)
        #expect(evalLabels == [0, 1, 1, 1] && trainLogits[2...].map(\.argmaxIndex) == [0, 0, 1, 0])
        let supervised = (crossEntropy(trainLogits[0], 0) + crossEntropy(trainLogits[1], 1)) / 2
        let pseudo = zip(trainLogits[2...], evalLabels).map { crossEntropy($0, $1) }.reduce(0, +) / 4
        #expect(abs(Double(output.loss.item) - (supervised + 2 * pseudo)) < 1e-4)
        #expect(output.scalars["all_pseudo_accuracy"] == 0.75)
    }

    /// FixMatch with the eval-mode pass: the weak view's pseudo-labels use batch norm's running
    /// statistics (here the identity) and the training pass normalises the labeled batch and the
    /// strong view together, without the weak view (the joint pass, which normalises all three,
    /// gives another loss).
    @Test func fixMatchCanLabelTheWeakViewInAnEvalPass() throws {
        let model = try Self.batchNormModel()
        let labeledInputs: [[Float]] = [[1, 0], [0, 2]], weak: [[Float]] = [[6, 0], [0, 0.1], [0, 4]], strong: [[Float]] = [[1, 1], [2, 0], [-1, 1]]
        let labeled = Batch(images: Tensor(labeledInputs.flatMap { $0 }, shape: [2, 2, 1, 1]), labels: [0, 1], indices: [0, 1])
        let unlabeled = Batch(images: Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), labels: [0, 0, 1], indices: [0, 1, 2],
                              views: [Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), Tensor(strong.flatMap { $0 }, shape: [3, 2, 1, 1])])
        let task = FixMatch(model: model, threshold: 0.9, unlabeledWeight: 2, labelsFromEvalPass: true)
        let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
        let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        // Eval-mode weak logits: [6, 3] (p 0.95, class 0), [-0.1, 0.2] (dropped), [-4, 8] (class 1).
        #expect(weak.map { Self.evalModeLogits($0).argmaxIndex } == [0, 1, 1])
        let trainLogits = Self.trainModeLogits(labeledInputs + strong)
        let supervised = (crossEntropy(trainLogits[0], 0) + crossEntropy(trainLogits[1], 1)) / 2
        let unsupervised = (crossEntropy(trainLogits[2], 0) + crossEntropy(trainLogits[4], 1)) / 3
        #expect(abs(Double(output.loss.item) - (supervised + 2 * unsupervised)) < 1e-4)
        #expect(abs(output.scalars["mask_rate"]! - 2.0 / 3) < 1e-9 && output.scalars["pseudo_accuracy"] == 1)
        #expect(output.logits!.shape == [2, 2] && output.exampleCount == 5)
        let joint = FixMatch(model: model, threshold: 0.9, unlabeledWeight: 2)
        #expect(abs(joint.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context).loss.item - output.loss.item) > 1e-3)
    }

    /// With MixUp, pseudo-labels come from the unmixed unlabeled images, the mask from their
    /// confidence, and both losses take the mixed targets: replaying the step's mixing draws
    /// (the same seeded stream) and the linear model by hand gives the task's loss.
    @Test func onlinePseudoLabelingWithMixUpLabelsTheUnmixedImages() throws {
        let labeledInputs: [[Float]] = [[1, 0], [0, 2], [1, 1]], unlabeledInputs: [[Float]] = [[3, 0], [0, 0.1], [0, 2], [-1, 0]]
        let labeled = Batch(images: Tensor(labeledInputs.flatMap { $0 }, shape: [3, 2, 1, 1]), labels: [0, 1, 1], indices: [0, 1, 2])
        let unlabeled = Batch(images: Tensor(unlabeledInputs.flatMap { $0 }, shape: [4, 2, 1, 1]), labels: [0, 0, 1, 0], indices: [0, 1, 2, 3])
        let kind = BatchMixing.Kind.mixUp(alpha: 1)
        let task = OnlinePseudoLabeling(model: try Self.linearModel(), ramp: PseudoLabelRamp(start: 0, end: 0, finalWeight: 2),
                                        threshold: 0.7, mixing: kind, seed: 5)
        // Unmixed logits: [3, 1.5] → 0 (0.82), [-0.1, 0.2] → 1 (0.57, masked), [-2, 4] → 1 (1.0), [-1, -0.5] → 1 (0.62, masked).
        let pseudoTargets = Tensor([1, 0, 0, 0, 0, 1, 0, 0], shape: [4, 2])
        var generator = RandomGenerator(seed: 5, stream: "mixing/7")
        let mixedLabeled = BatchMixing.mix(kind, images: labeled.images, targets: .oneHot([0, 1, 1], classes: 2), generator: &generator)
        let mixedUnlabeled = BatchMixing.mix(kind, images: unlabeled.images, targets: pseudoTargets, generator: &generator)
        let context = StepContext(globalStep: 7, epoch: 0, stepInEpoch: 7, stepsPerEpoch: 10, totalSteps: 10)
        let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        #expect(abs(Double(output.loss.item) - (Self.meanCrossEntropy(mixedLabeled) + 2 * Self.meanCrossEntropy(mixedUnlabeled))) < 1e-5)
        #expect(output.scalars["mask_rate"] == 0.5 && output.scalars["pseudo_accuracy"] == 1 && output.scalars["all_pseudo_accuracy"] == 0.5)
        #expect(output.logits == nil && output.exampleCount == 7)
    }

    /// FixMatch with MixUp: the weak view's confident argmax labels the strong view, then the
    /// labeled batch and the strong view are each mixed with their targets (a dropped row's zero
    /// target keeps only its partner's share); replaying the step's draws gives the task's loss.
    @Test func fixMatchWithMixUpMixesTheStrongViewWithTheWeakViewsLabels() throws {
        let labeledInputs: [[Float]] = [[1, 0], [0, 2]], weak: [[Float]] = [[4, 0], [0.1, 0.1], [0, 3]], strong: [[Float]] = [[1, 1], [2, 0], [-1, 1]]
        let labeled = Batch(images: Tensor(labeledInputs.flatMap { $0 }, shape: [2, 2, 1, 1]), labels: [0, 1], indices: [0, 1])
        let strongImages = Tensor(strong.flatMap { $0 }, shape: [3, 2, 1, 1])
        let unlabeled = Batch(images: Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), labels: [0, 0, 1], indices: [0, 1, 2],
                              views: [Tensor(weak.flatMap { $0 }, shape: [3, 2, 1, 1]), strongImages])
        let kind = BatchMixing.Kind.mixUp(alpha: 1)
        let task = FixMatch(model: try Self.linearModel(), threshold: 0.8, unlabeledWeight: 2, mixing: kind, seed: 9)
        #expect(task.labelsFromEvalPass)
        // Weak logits: [4, 2] → 0 (0.88, kept), [0, 0.25] → 1 (0.56, dropped), [-3, 6] → 1 (kept).
        var generator = RandomGenerator(seed: 9, stream: "mixing/3")
        let mixedLabeled = BatchMixing.mix(kind, images: labeled.images, targets: .oneHot([0, 1], classes: 2), generator: &generator)
        let mixedStrong = BatchMixing.mix(kind, images: strongImages, targets: Tensor([1, 0, 0, 0, 0, 1], shape: [3, 2]), generator: &generator)
        let context = StepContext(globalStep: 3, epoch: 0, stepInEpoch: 3, stepsPerEpoch: 10, totalSteps: 10)
        let output = task.trainingStep(StepBatch(labeled: labeled, unlabeled: unlabeled), context: context)
        #expect(abs(Double(output.loss.item) - (Self.meanCrossEntropy(mixedLabeled) + 2 * Self.meanCrossEntropy(mixedStrong))) < 1e-5)
        #expect(abs(output.scalars["mask_rate"]! - 2.0 / 3) < 1e-9 && output.scalars["pseudo_accuracy"] == 1)
        #expect(output.logits == nil && output.exampleCount == 5)
    }

    /// Soft targets mix with their images when asked, seeded by the step.
    @Test func softTargetsMixWithTheirImages() throws {
        let targets: [[Float]] = [[1, 0], [0.25, 0.75], [0, 1]]
        let task = SoftTargetClassification(model: try Self.linearModel(), targets: targets, mixing: .mixUp(alpha: 1), seed: 3)
        let batch = Batch(images: Tensor([1, 0, 0, 1, 2, 2], shape: [3, 2, 1, 1]), labels: [0, 0, 0], indices: [2, 1, 0])
        var generator = RandomGenerator(seed: 3, stream: "mixing/4")
        let mixed = BatchMixing.mix(.mixUp(alpha: 1), images: batch.images,
                                    targets: Tensor([0, 1, 0.25, 0.75, 1, 0], shape: [3, 2]), generator: &generator)
        let context = StepContext(globalStep: 4, epoch: 0, stepInEpoch: 4, stepsPerEpoch: 10, totalSteps: 10)
        #expect(abs(Double(task.trainingStep(StepBatch(labeled: batch), context: context).loss.item) - Self.meanCrossEntropy(mixed)) < 1e-5)
    }

    /// Soft targets are looked up by dataset index.
    @Test func softTargetsFollowTheBatchIndices() throws {
        let task = SoftTargetClassification(model: try Self.linearModel(), targets: [[1, 0], [0.25, 0.75], [0, 1]])
        let batch = Batch(images: Tensor([1, 0, 0, 1], shape: [2, 2, 1, 1]), labels: [0, 0], indices: [2, 1])
        let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
        let output = task.trainingStep(StepBatch(labeled: batch), context: context)
        let first = crossEntropy(Self.logits([1, 0]), 1)
        let second = 0.25 * crossEntropy(Self.logits([0, 1]), 0) + 0.75 * crossEntropy(Self.logits([0, 1]), 1)
        #expect(abs(Double(output.loss.item) - (first + second) / 2) < 1e-5)
        #expect(output.labels == [1, 1])
    }
}
