import Glean

/// `glean check-labels`' own options: how the out-of-fold probabilities are made, and planted
/// noise for measuring the check itself.
public struct CheckLabelsOptions: Equatable {
    public var folds = 5
    public var plantNoise: Float = 0
    public var thumbnails = 300
    public var selfConfidenceFraction: Float = 0.15

    public init() {}

    public static let options: [OptionSpec<CheckLabelsOptions>] = [
        .value("folds", \.folds, "K of the K-fold cross-validation: each image is scored by a model trained on the other folds."),
        .value("plant-noise", \.plantNoise, "Fraction of the labels to flip to another class at random (seeded) before checking, to measure the check: the report gives the precision and recall of the listed images against the flipped ones (0 = off)."),
        .value("self-confidence-fraction", \.selfConfidenceFraction, "List an image confidently in another class when its label's probability is below this fraction of what its class usually gets (higher: more images listed, more of them right after all)."),
        .value("thumbnails", \.thumbnails, "Most images shown in report.html (the CSV lists all)."),
    ]

    public func validate(source: String) throws {
        try check((2...20).contains(folds), source, "folds", "must be in 2...20, got \(folds)")
        try check(plantNoise >= 0 && plantNoise <= 0.5, source, "plant-noise", "must be in [0, 0.5], got \(plantNoise)")
        try check(thumbnails >= 0, source, "thumbnails", "must be >= 0, got \(thumbnails)")
        try check(selfConfidenceFraction > 0 && selfConfidenceFraction <= 1, source, "self-confidence-fraction",
                  "must be in (0, 1], got \(selfConfidenceFraction)")
    }
}
