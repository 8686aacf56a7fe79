import Glean

/// Class weights of the cross-entropy.
public enum ClassWeightChoice: String, OptionChoice {
    /// Every class weighs 1.
    case none
    /// `N / (C · count_c)` from the labeled images: rare classes weigh more.
    case balanced
}

/// How `glean train` scores its classifier: label smoothing, class weights and DisturbLabel.
public struct LossOptions: Equatable {
    public var labelSmoothing: Float = 0
    public var classWeights = ClassWeightChoice.none
    public var disturbLabel: Float = 0

    public init(labelSmoothing: Float = 0, classWeights: ClassWeightChoice = .none, disturbLabel: Float = 0) {
        (self.labelSmoothing, self.classWeights, self.disturbLabel) = (labelSmoothing, classWeights, disturbLabel)
    }

    public static let options: [OptionSpec<LossOptions>] = [
        .value("label-smoothing", \.labelSmoothing, "Label smoothing of the cross-entropy, in [0, 1)."),
        .value("class-weights", \.classWeights, "Weigh the cross-entropy by class: balanced = N / (C * count) from the labeled images (for imbalanced data)."),
        .value("disturb-label", \.disturbLabel, "DisturbLabel noise rate alpha in percent: each step every label is kept with p = 1 - (C-1)/C * alpha/100, else replaced by another class drawn uniformly (0 = off; the paper uses 10-20)."),
    ]

    public func validate(source: String) throws {
        try check(labelSmoothing >= 0 && labelSmoothing < 1, source, "label-smoothing", "must be in [0, 1), got \(labelSmoothing)")
        try check(disturbLabel >= 0 && disturbLabel <= 100, source, "disturb-label", "must be a percentage in 0...100, got \(disturbLabel)")
    }

    /// The per-class weights for `labeled` (nil: unweighted).
    public func weights(for labeled: ImageDataset) -> [Float]? {
        guard classWeights == .balanced else { return nil }
        let counts = labeled.classCounts, present = counts.filter { $0 > 0 }.count
        return counts.map { $0 == 0 ? 0 : Float(labeled.count) / Float(present * $0) }
    }

    /// The supervised task on `model` for images like `labeled`, with `mixing` from the
    /// augmentation options.
    public func task(model: Module, labeled: ImageDataset, mixing: SupervisedClassification.Mixing?, seed: UInt64) -> SupervisedClassification {
        SupervisedClassification(model: model, classWeights: weights(for: labeled), labelSmoothing: labelSmoothing, mixing: mixing,
                                 labelNoise: disturbLabel > 0 ? DisturbLabel(alpha: disturbLabel, classCount: labeled.classCount, seed: seed) : nil,
                                 seed: seed)
    }
}
