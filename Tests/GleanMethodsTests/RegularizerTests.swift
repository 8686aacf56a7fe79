import Foundation
import Glean
import Testing

@Suite struct DisturbLabelTests {
    /// Over 40,000 draws the true label is kept at rate p_c = 1 − (C−1)/C · α/100 (within 4.5
    /// standard errors), and replacements spread evenly over the other classes (chi-square
    /// with 9 degrees of freedom below its 0.999 quantile, 27.9).
    @Test func keepsTheTrueLabelAtRatePcAndSpreadsTheRest() {
        let noise = DisturbLabel(alpha: 20, classCount: 10, seed: 7)
        #expect(abs(noise.keepProbability - 0.82) < 1e-6)
        let labels = (0..<200).map { $0 % 10 }
        var kept = 0, total = 0
        var replacements = [Int](repeating: 0, count: 10)
        for step in 0..<200 {
            for (label, disturbed) in zip(labels, noise.apply(to: labels, step: step)) {
                total += 1
                if disturbed == label { kept += 1 } else { replacements[(disturbed - label + 10) % 10] += 1 }
            }
        }
        let rate = Double(kept) / Double(total), p = 0.82
        #expect(abs(rate - p) < 4.5 * (p * (1 - p) / Double(total)).squareRoot(), "kept \(rate)")
        #expect(replacements[0] == 0)
        let others = replacements.dropFirst(), expected = Double(others.reduce(0, +)) / 9
        let chiSquare = others.map { (Double($0) - expected) * (Double($0) - expected) / expected }.reduce(0, +)
        #expect(chiSquare < 27.9, "replacement counts \(others)")
    }

    /// One draw per example per step: the same step gives the same labels, another step others.
    @Test func drawsDependOnTheStepOnly() {
        let noise = DisturbLabel(alpha: 50, classCount: 3, seed: 1), labels = Array(repeating: 1, count: 64)
        #expect(noise.apply(to: labels, step: 5) == noise.apply(to: labels, step: 5))
        #expect(noise.apply(to: labels, step: 5) != noise.apply(to: labels, step: 6))
        #expect(DisturbLabel(alpha: 0, classCount: 3, seed: 1).apply(to: labels, step: 0) == labels)
    }

    /// DisturbValue moves about `fraction` of the targets, by noise of the given spread.
    @Test func disturbValueNoisesAFractionOfTargets() {
        let noise = DisturbValue(fraction: 0.25, standardDeviation: 2, seed: 3)
        let targets = [Float](repeating: 10, count: 4000)
        let changes = noise.apply(to: targets, step: 0).map { Double($0 - 10) }.filter { $0 != 0 }
        let changedRate = Double(changes.count) / 4000, standardError: Double = (0.25 * 0.75 / 4000).squareRoot()
        #expect(abs(changedRate - 0.25) < 4.5 * standardError)
        let spread = (changes.map { $0 * $0 }.reduce(0, +) / Double(changes.count)).squareRoot()
        #expect(abs(spread - 2) < 0.15, "spread \(spread)")
    }
}

@Suite struct SupervisedOptionsTests {
    /// MixUp draws from the step: the same step gives the same loss; targets are mixtures.
    @Test func mixingIsSeededByTheStep() throws {
        var generator = RandomGenerator(seed: 0)
        let model = Sequential([Lambda.flatten(), Linear(64, 2, generator: &generator)])
        let task = SupervisedClassification(model: model, mixing: .init(.mixUp(alpha: 0.4), classCount: 2), seed: 9)
        let images = topOrBottomImages(count: 8, seed: 3)
        let loader = DataLoader(dataset: images, batchSize: 8, sampler: SequentialSampler(count: 8), mean: [0.5], std: [0.25], seed: 0)
        let batch = try #require(Array(loader.batches(epoch: 0)).first)
        func loss(_ step: Int) -> Float {
            task.trainingStep(StepBatch(labeled: batch), context: StepContext(globalStep: step, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1,
                                                                              totalSteps: 1)).loss.item
        }
        #expect(loss(3) == loss(3) && loss(3) != loss(4))
        let plain = SupervisedClassification(model: model).trainingStep(
            StepBatch(labeled: batch), context: StepContext(globalStep: 3, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1))
        #expect(plain.loss.item != loss(3) && plain.logits != nil)
    }
}
