import GleanNN
import GleanTensor
import GleanTrain

/// FlexMatch's curriculum pseudo-labeling (Zhang et al., 2021): each class gets its own
/// threshold from how well the model is learning it. For every unlabeled image the last
/// prediction that reached the fixed threshold τ is remembered; a class's learning effect
/// σ(c) counts the images so predicted, normalised by the largest count — including the images
/// not yet predicted confidently (the threshold warm-up) — to β(c), and the threshold of class
/// c is `τ · β(c) / (2 − β(c))`. Early on every threshold is low, so many more unlabeled images
/// take part than with FixMatch's fixed τ, which is what makes it converge in fewer steps.
/// In data-parallel training every process records the confident predictions of all
/// processes, so the thresholds stay those of one process on the global batch.
public final class FlexibleThresholds {
    public let threshold: Float
    public let classCount: Int
    /// Whether images without a confident prediction count in the normalisation (FlexMatch's
    /// threshold warm-up: thresholds stay low until most images have been predicted
    /// confidently once); without it the most-predicted class gets the full τ from the start.
    public let warmUp: Bool
    /// The class last predicted with confidence ≥ τ for each unlabeled image (-1: none yet).
    public private(set) var selected: [Int]
    /// β(c) per class.
    public private(set) var learningEffect: [Float]

    public init(threshold: Float, classCount: Int, unlabeledCount: Int, warmUp: Bool = true) {
        require(threshold > 0 && threshold <= 1, "FlexibleThresholds: threshold \(threshold) must be in (0, 1]")
        require(classCount > 0 && unlabeledCount > 0, "FlexibleThresholds: needs classes and unlabeled images")
        self.threshold = threshold
        self.classCount = classCount
        self.warmUp = warmUp
        selected = [Int](repeating: -1, count: unlabeledCount)
        learningEffect = [Float](repeating: 0, count: classCount)
    }

    /// Each class's current threshold.
    public var classThresholds: [Float] { learningEffect.map { threshold * $0 / (2 - $0) } }

    /// The mask of `pseudo` (predictions for unlabeled images `indices`) under the current
    /// class thresholds; then records the confident predictions and updates β.
    public func mask(_ pseudo: PseudoLabels, indices: [Int]) -> [Bool] {
        require(indices.count == pseudo.labels.count, "FlexibleThresholds: \(indices.count) indices for \(pseudo.labels.count) predictions")
        let thresholds = classThresholds
        let mask = zip(pseudo.labels, pseudo.confidences).map { $1 >= thresholds[$0] }
        // (image, class) for every row, class -1 where the prediction is not confident; every
        // process's rows, in rank order. The image index travels as two floats (exact below 2^24 each).
        let local = indices.enumerated().flatMap { row, index in
            [Float(index >> 20), Float(index & 0xF_FFFF), pseudo.confidences[row] >= threshold ? Float(pseudo.labels[row]) : -1]
        }
        let all = DataParallel.group.allGatherEqualCounts(local)
        for triple in stride(from: 0, to: all.count, by: 3) where all[triple + 2] >= 0 {
            let index = Int(all[triple]) << 20 | Int(all[triple + 1])
            require(index >= 0 && index < selected.count, "FlexibleThresholds: unlabeled index \(index) outside 0..<\(selected.count)")
            selected[index] = Int(all[triple + 2])
        }
        updateLearningEffect()
        return mask
    }

    private func updateLearningEffect() {
        var counts = [Int](repeating: 0, count: classCount)
        var unused = 0
        for label in selected {
            if label < 0 { unused += 1 } else { counts[label] += 1 }
        }
        // Unchanged while every image sits in one bucket (none confident yet, or all one class).
        let mostPredicted = counts.max() ?? 0
        guard max(mostPredicted, unused) < selected.count else { return }
        let largest = warmUp ? max(mostPredicted, unused) : mostPredicted
        learningEffect = counts.map { Float($0) / Float(largest) }
    }

    /// The remembered predictions, for the resume file.
    public func saveState() -> [(String, StoredTensor)] {
        [("flexmatch.selected", .int64(values: selected.map(Int64.init), shape: [selected.count])),
         ("flexmatch.learning_effect", .float(values: learningEffect, shape: [classCount]))]
    }

    /// Restores `saveState`'s tensors; throws when they do not fit.
    public func restoreState(_ tensors: [(String, StoredTensor)]) throws {
        let named = Dictionary(tensors, uniquingKeysWith: { first, _ in first })
        guard case let .int64(values, _)? = named["flexmatch.selected"], values.count == selected.count,
              values.allSatisfy({ $0 >= -1 && $0 < Int64(classCount) }),
              case let .float(effect, _)? = named["flexmatch.learning_effect"], effect.count == classCount else {
            throw CheckpointError.mismatch(reason: "the resume file lacks FlexMatch's \(selected.count) remembered predictions of \(classCount) classes")
        }
        selected = values.map { Int($0) }
        learningEffect = effect
    }
}
